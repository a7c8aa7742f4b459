"""Build ``datasets/speech/fsdd_8k.flac`` and ``fsdd_clips.csv``: real spoken digits from the Free Spoken Digit Dataset.

Input: a folder of FSDD recordings ``{digit}_{speaker}_{index}.wav`` (8 kHz mono 16-bit WAV) with a
``SHA256SUMS`` file listing the digest of every recording (the course was given four speakers: jackson,
nicolas, george, lucas, 50 takes of every digit each, from FSDD commit 26eb9aa = tag v1.0.10). The script
refuses to run if any listed file is missing or has another digest, or if a WAV is not listed.

Output:

* ``speech/fsdd_8k.flac`` -- every recording, concatenated in (speaker, digit, take) order, mono 8 kHz FLAC.
  To keep the file a few MB, every sample is rounded to a multiple of ``STEP`` (16, i.e. 12 significant
  bits); the script prints how far that rounding lies below the signal and below the recordings' own noise.
* ``speech/fsdd_clips.csv`` -- one row per recording: ``clip,start,length,digit,word,speaker,take,file,sha256``
  (start and length in samples of the FLAC; ``sha256`` is the digest of the original WAV).

The derived files stay under the FSDD's licence, CC BY-SA 4.0, with its attribution (see datasets/README.md).

Run from the repository root (needs ``soundfile``)::

    python datasets/build_fsdd.py /path/to/fsdd

The output is deterministic: the same input gives byte-identical files (the script prints their sha256).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
from pathlib import Path

import numpy as np

SAMPLE_RATE = 8000
STEP = 16  # samples are rounded to multiples of STEP (12 significant bits of 16)
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
OUT_DIR = Path(__file__).resolve().parent / "speech"
AUDIO_FILE = "fsdd_8k.flac"
INDEX_FILE = "fsdd_clips.csv"
CSV_FIELDS = ("clip", "start", "length", "digit", "word", "speaker", "take", "file", "sha256")
NAME = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")


def read_sums(folder: Path) -> dict[str, str]:
    """``{file name: sha256}`` from ``folder/SHA256SUMS`` (``sha256sum`` format)."""
    sums = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip().lstrip("*")] = digest
    return sums


def verified_recordings(folder: Path) -> list[tuple[str, int, int, str, bytes]]:
    """Every recording as (speaker, digit, take, sha256, WAV bytes), sorted; checks every digest.

    Raises:
        SystemExit: a listed file is missing or differs, or a WAV in the folder is not listed.
    """
    sums = read_sums(folder)
    wavs = {p.name for p in folder.glob("*.wav")}
    if unlisted := sorted(wavs - set(sums)):
        raise SystemExit(f"{len(unlisted)} WAV files not in SHA256SUMS, e.g. {unlisted[0]}")
    found = []
    for name, digest in sums.items():
        m = NAME.match(name)
        if not m:
            raise SystemExit(f"SHA256SUMS lists {name!r}, not an FSDD file name")
        path = folder / name
        if not path.exists():
            raise SystemExit(f"{name} is listed in SHA256SUMS but missing")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise SystemExit(f"{name}: sha256 differs from SHA256SUMS (corrupted or changed)")
        found.append((m[2], int(m[1]), int(m[3]), digest, data))
    return sorted(found, key=lambda t: (t[0], t[1], t[2]))


def requantise(x: np.ndarray, step: int = STEP) -> np.ndarray:
    """Round int16 samples to multiples of ``step`` (kept in int16 range)."""
    q = np.round(x.astype(np.float64) / step) * step
    return np.clip(q, -32768, 32768 - step).astype(np.int16)


def noise_floor_db(x: np.ndarray, frame: int = 80) -> float:
    """Power of a clip's quietest 10% of 10 ms frames relative to its mean power, in dB."""
    n = len(x) // frame
    power = (x[: n * frame].astype(np.float64).reshape(n, frame) ** 2).mean(axis=1)
    return float(10 * np.log10(np.percentile(power, 10) + 1e-12) - 10 * np.log10(power.mean() + 1e-12))


def build(folder: Path, out_dir: Path = OUT_DIR) -> dict[str, str]:
    """Verify, convert and write both files; print a summary; return ``{file name: sha256}``."""
    import soundfile as sf

    recordings = verified_recordings(folder)
    rows, audio, start = [], [], 0
    floors, err_power, sig_power = [], 0.0, 0.0
    for i, (speaker, digit, take, digest, data) in enumerate(recordings):
        x, sr = sf.read(io.BytesIO(data), dtype="int16", always_2d=True)
        if sr != SAMPLE_RATE or x.shape[1] != 1:
            raise SystemExit(f"{digit}_{speaker}_{take}.wav: {sr} Hz, {x.shape[1]} channels (expected 8 kHz mono)")
        x = x[:, 0]
        q = requantise(x)
        err_power += float(((q.astype(np.float64) - x) ** 2).sum())
        sig_power += float((x.astype(np.float64) ** 2).sum())
        floors.append(noise_floor_db(x))
        audio.append(q)
        rows.append(
            {
                "clip": i,
                "start": start,
                "length": len(q),
                "digit": digit,
                "word": DIGITS[digit],
                "speaker": speaker,
                "take": take,
                "file": f"{digit}_{speaker}_{take}.wav",
                "sha256": digest,
            }
        )
        start += len(q)
    out_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    sf.write(buffer, np.concatenate(audio), SAMPLE_RATE, format="FLAC", subtype="PCM_16", compression_level=1.0)
    (out_dir / AUDIO_FILE).write_bytes(buffer.getvalue())
    with open(out_dir / INDEX_FILE, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    lengths = np.array([r["length"] for r in rows]) / SAMPLE_RATE
    speakers = sorted({r["speaker"] for r in rows})
    print(f"{len(rows)} recordings verified, {len(speakers)} speakers: {', '.join(speakers)}")
    for s in speakers:
        n = sum(r["speaker"] == s for r in rows)
        print(f"  {s}: {n} clips, {sum(r['length'] for r in rows if r['speaker'] == s) / SAMPLE_RATE:.0f} s")
    print(f"clip length {lengths.min():.2f}-{lengths.max():.2f} s (mean {lengths.mean():.2f} s)")
    print(
        f"rounding to multiples of {STEP}: {10 * np.log10(sig_power / err_power):.1f} dB below the signal; "
        f"the recordings' own noise floor (quietest 10% of frames) is {-np.median(floors):.1f} dB below "
        f"each clip's mean power (median)"
    )
    return {name: hashlib.sha256((out_dir / name).read_bytes()).hexdigest() for name in (AUDIO_FILE, INDEX_FILE)}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    hashes = build(Path(argv[0]))
    for name, digest in hashes.items():
        print(f"{name}: {(OUT_DIR / name).stat().st_size} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
