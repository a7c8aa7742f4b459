"""Build ``datasets/speech/allison_8k.flac`` and ``allison_clips.csv``: a woman saying zero..nine, once each.

The four FSDD speakers are all men. Allison Smith, a professional voice artist, recorded the prompts of the
Asterisk telephone exchange, its digits among them (Debian package ``asterisk-core-sounds-en-wav`` 1.6.1-1,
CC BY-SA 3.0). Notebook 07 never trains on them: ten clips are far too few for a test set, but they show what
the model does with a female voice it never heard (the notebook says so).

Input: the folder ``/usr/share/asterisk/sounds/en_US_f_Allison/digits`` (``apt-get install
asterisk-core-sounds-en-wav``) or another copy of it; the script checks the sha256 of ``0.wav`` .. ``9.wav``
against the digests below and refuses to run if one differs. It concatenates them (8 kHz mono 16-bit, as
recorded) into one FLAC and writes one row per clip: ``clip,start,length,digit,word,speaker,file,sha256``.
The build is deterministic (it prints the sha256 of both files)::

    python datasets/build_allison.py [folder]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from build_speech import DIGITS, OUT_DIR, SAMPLE_RATE, Clip, write

SOURCE = Path("/usr/share/asterisk/sounds/en_US_f_Allison/digits")
AUDIO_FILE = "allison_8k.flac"
INDEX_FILE = "allison_clips.csv"
CSV_FIELDS = ("clip", "start", "length", "digit", "word", "speaker", "file", "sha256")
#: sha256 of digits/0.wav .. 9.wav in asterisk-core-sounds-en-wav 1.6.1-1 (Debian 12).
SHA256 = (
    "62debe1daf11756460c0de78d0e1ac7fe28b12fb51a30df3364ce74b90f05d31",
    "fb38aca5558d50f7bd4d7986adeea19b97eba894c574fc92acc3b33b480eb701",
    "6ef0a6b67a1741e950c491ef664bbfb424b63fab314d616d6f0e467cc0838dee",
    "4ec0371d15f721c61be36fe6ca54d0de29d9b9a48062634969556c50ff81faed",
    "f1c007fbd2eefa235ea10260b79527b89b88f6d2182008e86221572ad92f204f",
    "412b4b7729a8bae7b2b13ad8af9f6989abba8a4b9d5fc1c499b13a3b986653a5",
    "89c80e3c120f90112159d911568d2ca4a13f369a864ee26e882802385fab2474",
    "125c9acb8b5b6549079233c922782bfdf585d8c438906467921329669c6939fe",
    "854114f9f3bb94d36490b2951957a662e75212648a5e2330f1f3c56184d30488",
    "535d4117923ad8bac20185eb0746b421479ddec4f4acd2329285096a573d6e34",
)


def build(source: Path = SOURCE, out_dir: Path = OUT_DIR) -> dict[str, str]:
    """Check, concatenate and index the ten recordings; return ``{file name: sha256}``."""
    import soundfile as sf

    clips = []
    for digit, word in enumerate(DIGITS):
        path = source / f"{digit}.wav"
        if not path.is_file():
            raise SystemExit(f"{path} is missing (apt-get install asterisk-core-sounds-en-wav)")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != SHA256[digit]:
            raise SystemExit(f"{path}: sha256 {digest}, expected {SHA256[digit]}")
        x, sr = sf.read(path, dtype="int16", always_2d=True)
        if sr != SAMPLE_RATE or x.shape[1] != 1:
            raise SystemExit(f"{path}: {sr} Hz, {x.shape[1]} channel(s); expected {SAMPLE_RATE} Hz mono")
        row = {"digit": digit, "word": word, "speaker": "allison", "file": f"digits/{digit}.wav", "sha256": digest}
        clips.append(Clip(x[:, 0], row))
    return write(clips, out_dir, AUDIO_FILE, INDEX_FILE, CSV_FIELDS)


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    for name, digest in build(source).items():
        print(f"{name}: {(OUT_DIR / name).stat().st_size} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
