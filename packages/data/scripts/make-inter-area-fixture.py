#!/usr/bin/python3
"""Reference values for resizeArea: cv2.resize(..., interpolation=cv2.INTER_AREA).

Run once with Debian's OpenCV (apt-get install python3-opencv) from the
package folder:

    /usr/bin/python3 scripts/make-inter-area-fixture.py > src/preprocess/fixtures/inter-area.json

Each case stores a seeded uint8 image and OpenCV's result for the same pixels
as float32 (what gsa computes) and as uint8 (what cv2 gives on 8-bit files).
"""
import json
import sys

import cv2
import numpy as np

# (height, width, channels) -> (height, width): integer shrink (resizeAreaFast),
# fractional shrink (area table), enlarging and mixed (INTER_AREA's linear branch).
CASES = [
    ((8, 8, 1), (4, 4)),
    ((12, 9, 1), (4, 3)),
    ((12, 12, 3), (3, 3)),
    ((13, 17, 1), (5, 7)),
    ((20, 30, 3), (7, 11)),
    ((36, 40, 3), (16, 16)),
    ((60, 45, 1), (32, 32)),
    ((50, 60, 3), (50, 24)),
    ((5, 6, 1), (11, 13)),
    ((6, 5, 3), (9, 8)),
    ((10, 4, 1), (3, 9)),
    ((28, 28, 1), (40, 40)),
]


def image(rng, shape):
    h, w, c = shape
    y, x = np.mgrid[0:h, 0:w]
    smooth = 128 + 80 * np.sin(x / max(w, 1) * 5.0)[..., None] * np.cos(y / max(h, 1) * 3.0)[..., None]
    noisy = smooth + rng.normal(0, 30, size=(h, w, c))
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def main():
    rng = np.random.default_rng(20240607)
    cases = []
    for shape, (th, tw) in CASES:
        src = image(rng, shape)
        as_float = cv2.resize(src.astype(np.float32), (tw, th), interpolation=cv2.INTER_AREA)
        as_uint8 = cv2.resize(src, (tw, th), interpolation=cv2.INTER_AREA)
        cases.append({
            "source": list(shape),
            "target": [th, tw],
            "input": src.reshape(-1).tolist(),
            "float32": [float(v) for v in as_float.reshape(-1)],
            "uint8": as_uint8.reshape(-1).tolist(),
        })
    json.dump({
        "generator": "scripts/make-inter-area-fixture.py",
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "cases": cases,
    }, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
