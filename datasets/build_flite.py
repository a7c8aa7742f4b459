"""Build ``datasets/speech/flite_8k.flac`` and ``flite_clips.csv``: digits said by CMU Flite's four voices.

eSpeak NG (``build_speech.py``) is a formant synthesiser: its voices are rules, not people. CMU Flite's
voices are built from recordings of real speakers: ``kal16`` (diphones of an American man), ``awb`` (a
Scottish man), ``rms`` (an American man) and ``slt`` (an American woman; the last three are CMU ARCTIC
statistical parametric voices). Notebook 07 adds these clips to its training set, with augmented copies,
because on the development folds (no clip of the notebook's test speaker) they raised the accuracy on an
unseen real speaker (see ``benchmarks/speech_speakers.py``). They are training data only.

Every clip draws a mean pitch (the voice's own times 0.7-1.6), a pitch spread, a duration stretch, a peak
loudness and the silence before and after the word; as in ``build_speech.py`` its background noise is
defined here (seed and SNR in the CSV) and added by ``lstm_course.data.speech.load_flite_voices``.

Needs the ``flite`` command (Debian package ``flite`` 2.2-5: ``apt-get install flite``), ``scipy`` and
``soundfile``. Run from the repository root::

    python datasets/build_flite.py

The script is seeded and Flite is deterministic: a rebuild gives byte-identical files (it prints their
sha256). Flite is under CMU's BSD-style licence (Debian's /usr/share/doc/flite/copyright); see
datasets/README.md for the licence of the derived files.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from build_speech import CSV_FIELDS as SPEECH_FIELDS
from build_speech import DIGITS, OUT_DIR, SAMPLE_RATE, Clip, trim, write

SEED = 20261202
#: Flite voice -> its usual mean pitch in Hz (the centre of the random pitch of every clip).
VOICES = {"kal16": 105.0, "awb": 110.0, "rms": 100.0, "slt": 175.0}
TAKES = 30  # clips of every digit per voice
PITCH_SCALE = (0.7, 1.6)  # mean pitch: the voice's times this
PITCH_STD_HZ = (5.0, 40.0)
DURATION_STRETCH = (0.8, 1.5)
PEAK = (0.02, 0.15)  # as build_speech.py
SILENCE_S = (0.02, 0.25)
SNR_DB = (15.0, 40.0)
AUDIO_FILE = "flite_8k.flac"
INDEX_FILE = "flite_clips.csv"
CSV_FIELDS = (
    *SPEECH_FIELDS[: SPEECH_FIELDS.index("voice") + 1],  # clip, start, length, digit, word, split, word_start, ...
    "f0_mean_hz",
    "f0_std_hz",
    "duration_stretch",
    "noise_seed",
    "snr_db",
)


def flite_version() -> str:
    """The version line of ``flite --version`` (raises FileNotFoundError without flite; it exits 1)."""
    out = subprocess.run(["flite", "--version"], capture_output=True, text=True).stdout
    return next(line.split("version:")[1].strip() for line in out.splitlines() if "version:" in line)


def say(word: str, voice: str, f0_mean: float, f0_std: float, stretch: float, wav: Path) -> np.ndarray:
    """One word from Flite as float64 samples at 8 kHz (Flite writes 16 kHz)."""
    import soundfile as sf
    from scipy.signal import resample_poly

    subprocess.run(
        ["flite", "-voice", voice, "--setf", f"int_f0_target_mean={f0_mean:.0f}", "--setf",
         f"int_f0_target_stddev={f0_std:.0f}", "--setf", f"duration_stretch={stretch:.2f}", "-t", word,
         "-o", str(wav)],
        check=True,
    )  # fmt: skip
    x, sr = sf.read(wav, dtype="float64")
    g = np.gcd(int(sr), SAMPLE_RATE)
    return resample_poly(x, SAMPLE_RATE // g, int(sr) // g)


def synthesise(rng: np.random.Generator) -> list[Clip]:
    """Every clip, in voice, digit, take order."""
    clips: list[Clip] = []
    with tempfile.TemporaryDirectory() as tmp:
        for voice, f0 in VOICES.items():
            for digit, word in enumerate(DIGITS):
                for _ in range(TAKES):
                    f0_mean = round(f0 * rng.uniform(*PITCH_SCALE))
                    f0_std = round(rng.uniform(*PITCH_STD_HZ))
                    stretch = round(rng.uniform(*DURATION_STRETCH), 2)
                    x = trim(say(word, voice, f0_mean, f0_std, stretch, Path(tmp) / "word.wav"))
                    x *= rng.uniform(*PEAK) * 32767 / np.max(np.abs(x))
                    before, after = (int(rng.uniform(*SILENCE_S) * SAMPLE_RATE) for _ in range(2))
                    audio = np.clip(np.round(np.concatenate([np.zeros(before), x, np.zeros(after)])), -32768, 32767)
                    row = {
                        "digit": digit,
                        "word": word,
                        "split": "train",
                        "word_start": before,
                        "word_length": len(x),
                        "voice": voice,
                        "f0_mean_hz": f0_mean,
                        "f0_std_hz": f0_std,
                        "duration_stretch": stretch,
                        "noise_seed": int(rng.integers(2**31 - 1)),
                        "snr_db": round(float(rng.uniform(*SNR_DB)), 2),
                    }
                    clips.append(Clip(audio.astype(np.int16), row))
    return clips


def main() -> int:
    try:
        version = flite_version()
    except FileNotFoundError:
        print("flite not found: install Debian's package (apt-get install flite)", file=sys.stderr)
        return 1
    clips = synthesise(np.random.default_rng(SEED))
    hashes = write(clips, OUT_DIR, AUDIO_FILE, INDEX_FILE, CSV_FIELDS)
    seconds = sum(len(c.audio) for c in clips) / SAMPLE_RATE
    print(f"{version}: {len(clips)} clips ({', '.join(VOICES)}; {TAKES} of every digit each), {seconds:.0f} s")
    for name, digest in hashes.items():
        print(f"{name}: {(OUT_DIR / name).stat().st_size} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
