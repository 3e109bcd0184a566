# Dynamic int8 quantization (DynamicQuantizeLinear + MatMulInteger) of the float exports
# written by bench/quant-onnx.mjs, with onnxruntime.quantization 1.30; run once, results
# committed in bench/models/ for bench/quant.mjs.
import sys, os
from onnxruntime.quantization import quantize_dynamic, QuantType

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for name in ['784-128-10', '784-512-512-10']:
    quantize_dynamic(os.path.join(src, name + '.onnx'), os.path.join(dst, name + '.int8.onnx'), weight_type=QuantType.QInt8)
    print(name, os.path.getsize(os.path.join(dst, name + '.int8.onnx')), 'bytes')
