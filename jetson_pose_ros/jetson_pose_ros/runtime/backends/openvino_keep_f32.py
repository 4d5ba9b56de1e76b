"""Keep chosen layers of a model in f32 while the rest runs in bf16 (OpenVINO CPU).

OpenVINO's CPU plugin leaves a node in its original precision under the ``bf16`` inference hint
when the node carries the ``DisablePrecisionConversion`` runtime attribute (what
``ov::disable_fp16_compression`` sets; the plugin's EnforceInferencePrecision skips such nodes
for bf16 too).  The Python API cannot create that typed attribute (a string put in ``rt_info``
is ignored), but the IR reader can: the model is written as IR with the attribute in the
``rt_info`` of every layer whose name matches one of ``patterns`` (regular expressions), and
read back.
"""
from __future__ import annotations

import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ATTRIBUTE = {"name": "DisablePrecisionConversion", "version": "0", "value": "dynamic:f16"}
SKIP_TYPES = ("Const", "Parameter", "Result")


def keep_f32(model, patterns):
    """The model with the layers matching any of ``patterns`` marked to stay in f32."""
    import openvino as ov

    rx = [re.compile(p) for p in patterns]
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "m.xml"
        ov.save_model(model, str(xml), compress_to_fp16=False)
        tree = ET.parse(xml)
        for layer in tree.getroot().iter("layer"):
            if layer.get("type") in SKIP_TYPES or not any(r.search(layer.get("name", "")) for r in rx):
                continue
            rt = layer.find("rt_info")
            if rt is None:
                rt = ET.SubElement(layer, "rt_info")
            ET.SubElement(rt, "attribute", ATTRIBUTE)
        tree.write(xml)
        return ov.Core().read_model(str(xml))   # weights are read now: the folder may go
