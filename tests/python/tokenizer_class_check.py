"""AutoTokenizer on exported tokenizer folders: each loads, and gives the ids expected.

Usage: tokenizer_class_check.py MANIFEST REPORT. MANIFEST is a JSON list of cases
{"name", "dir", "texts": [[text, pair|null], ...], "expected": [[ids...], ...] | null,
"reference_dir": str | null}: the ids AutoTokenizer gives for `dir` must equal `expected`, or,
where that is null, those AutoTokenizer gives for `reference_dir` (the checkpoint the files
came from). REPORT gets {"checks": [{"name", "ok", "detail"}]}.
"""

import json
import sys

from transformers import AutoTokenizer


def ids_of(tok, texts):
    out = []
    for text, pair in texts:
        enc = tok(text, pair) if pair is not None else tok(text)
        out.append(list(enc["input_ids"]))
    return out


def main():
    cases = json.load(open(sys.argv[1]))
    checks = []
    for case in cases:
        try:
            tok = AutoTokenizer.from_pretrained(case["dir"])
            got = ids_of(tok, case["texts"])
            if case.get("expected") is not None:
                want = case["expected"]
            else:
                want = ids_of(AutoTokenizer.from_pretrained(case["reference_dir"]), case["texts"])
            ok = got == want
            detail = f"{type(tok).__name__}"
            if not ok:
                bad = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b) if len(got) == len(want) else -1
                detail += f"; text {bad}: got {got[bad] if bad >= 0 else got} want {want[bad] if bad >= 0 else want}"
        except Exception as e:  # a folder that does not load is a failed check, with the reason
            ok, detail = False, f"{type(e).__name__}: {e}"
        checks.append({"name": case["name"], "ok": ok, "detail": detail})
        print(("ok  " if ok else "FAIL"), case["name"], detail)
    json.dump({"checks": checks}, open(sys.argv[2], "w"), indent=1)


if __name__ == "__main__":
    main()
