"""Checks the studio's ONNX files with the ONNX reference tools.

Usage: python3 tests/python/onnx_check.py MANIFEST REPORT

MANIFEST (JSON): {"models": [{"name", "fp32", "q8", "inputs": {input_ids, attention_mask,
token_type_ids: [[int]]}, "logits": [[float]]}]}, the logits being the studio's (or PyTorch's).
For each model: onnx.checker.check_model(full_check=True) on both files (shape inference
included), onnxruntime's logits against the given ones, and onnxruntime's own quantize_dynamic
(QInt8, per channel) of the fp32 file as the yardstick of the studio's q8 file. Writes REPORT
(JSON): {"onnx", "onnxruntime", "checks": [{name, ok, detail}], "errors": {...}}.
"""

import json
import os
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic


def logits_of(path, inputs):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {k: np.array(v, dtype=np.int64) for k, v in inputs.items()}
    return session.run(["logits"], feeds)[0]


def main(manifest_path, report_path):
    manifest = json.load(open(manifest_path))
    checks = []
    errors = {}

    def check(name, ok, detail=""):
        checks.append({"name": name, "ok": bool(ok), "detail": detail})

    for m in manifest["models"]:
        want = np.array(m["logits"], dtype=np.float32)
        for kind in ("fp32", "q8"):
            try:
                onnx.checker.check_model(m[kind], full_check=True)
                check(f"{m['name']} {kind} onnx.checker", True)
            except Exception as e:  # noqa: BLE001 - the report says what failed
                check(f"{m['name']} {kind} onnx.checker", False, str(e)[:500])
        fp32 = np.abs(logits_of(m["fp32"], m["inputs"]) - want).max()
        q8 = np.abs(logits_of(m["q8"], m["inputs"]) - want).max()
        with tempfile.TemporaryDirectory() as tmp:
            ref_q8 = os.path.join(tmp, "ort_q8.onnx")
            quantize_dynamic(m["fp32"], ref_q8, weight_type=QuantType.QInt8, per_channel=True)
            ort_q8 = np.abs(logits_of(ref_q8, m["inputs"]) - want).max()
        errors[m["name"]] = {"fp32": float(fp32), "q8": float(q8), "ort_quantize_dynamic": float(ort_q8)}
        check(f"{m['name']} fp32 logits", fp32 <= 1e-4, f"max abs diff {fp32:.3g}")
        # The studio's q8 against onnxruntime's own quantizer on the same model.
        check(
            f"{m['name']} q8 logits",
            q8 <= max(2 * ort_q8, 1e-3),
            f"max abs diff {q8:.3g} (quantize_dynamic: {ort_q8:.3g})",
        )

    json.dump(
        {"onnx": onnx.__version__, "onnxruntime": ort.__version__, "checks": checks, "errors": errors},
        open(report_path, "w"),
        indent=2,
    )
    for c in checks:
        print(("ok  " if c["ok"] else "FAIL"), c["name"], c["detail"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
