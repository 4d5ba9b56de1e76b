"""Which backends run which model-file formats (data shared by the model files and the backends)."""

# backends that run only an original (non-ONNX) model format: name -> file suffix
NATIVE_FORMATS = {"opencv": ".pb", "litert": ".tflite"}
# original formats: file suffix -> the backends that run such a file as is, preferred first.  A
# TensorFlow frozen graph runs in OpenVINO's TensorFlow frontend (any OpenCV) or in OpenCV 4's
# cv2.dnn importer (gone in OpenCV 5)
ORIGINAL_FORMATS = {".pb": ("openvino", "opencv"), ".tflite": ("litert",)}
