"""Catalogue of notebook 07 (MFCCs in NumPy, a PyTorch LSTM on spoken digits): typical mistakes lose points,
other correct ways do not.

Every autograde runs the whole notebook (PyTorch, librosa, a short training run), so mistakes in functions
whose tests cells are independent of each other are graded together in one submission: each listed tests
cell then only calls the function it is named after, so each mistake still has to lose its own points. The
four mistakes the course must catch (off-by-one framing, a wrong mel scale, normalisation fitted on test
data, an LSTM reading the padding) are graded alone, with everything downstream they must break; so is the
MFCC without a window, whose tests cell needs every other MFCC function right.
"""

from tests.catalogue import Variant

# --- the four required mistakes, each alone ---------------------------------------------------------------

FRAME_OFF_BY_ONE = """
def frame_signal(x, frame_length, hop_length):
    x = np.asarray(x)
    n_frames = (len(x) - frame_length) // hop_length  # forgets the first frame
    index = hop_length * np.arange(n_frames)[:, None] + np.arange(frame_length)[None, :]
    return x[index]
"""

MEL_SCALE_NATURAL_LOG = """
def hz_to_mel(f):
    return 2595.0 * np.log(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * (np.exp(np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)
"""

NORMALISE_ON_ALL_DATA = """
def normalize_splits(train, *others):
    frames = np.concatenate([f for part in (train, *others) for f in part], axis=0)  # test data leaks in
    mean, std = frames.mean(axis=0), frames.std(axis=0)
    return mean, std, [[((f - mean) / std).astype(np.float32) for f in part] for part in (train, *others)]
"""

LSTM_UNPACKED = """
class DigitLSTM(nn.Module):
    def __init__(self, n_features=13, hidden_size=64, n_classes=10, dropout=0.3, input_noise=0.3):
        super().__init__()
        self.input_noise = input_noise
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden_size, n_classes)

    def forward(self, x, lengths):
        if self.training and self.input_noise:
            x = x + self.input_noise * torch.randn_like(x)
        out, _ = self.lstm(x)  # reads the padding: the backward direction starts on it
        mask = (torch.arange(x.shape[1])[None, :] < lengths[:, None]).unsqueeze(-1)
        pooled = (out * mask).sum(dim=1) / lengths.to(out.dtype).unsqueeze(1)
        return self.head(self.dropout(pooled))
"""

# --- further mistakes --------------------------------------------------------------------------------------

MEL_SCALE_SLANEY = """
def hz_to_mel(f):
    return librosa.hz_to_mel(np.asarray(f, dtype=np.float64))  # Slaney's scale, not the HTK formula


def mel_to_hz(m):
    return librosa.mel_to_hz(np.asarray(m, dtype=np.float64))
"""

FRAME_PADS_PARTIAL_LAST = """
def frame_signal(x, frame_length, hop_length):
    x = np.asarray(x)
    n_frames = 1 + int(np.ceil((len(x) - frame_length) / hop_length))  # a last, zero-padded, partial frame
    x = np.pad(x, (0, (n_frames - 1) * hop_length + frame_length - len(x)))
    index = hop_length * np.arange(n_frames)[:, None] + np.arange(frame_length)[None, :]
    return x[index]
"""

HANN_SYMMETRIC = """
def hann_window(n):
    return np.hanning(n)  # the symmetric window: divides by n - 1
"""

POWER_NOT_SQUARED = """
def power_spectrum(frames, n_fft):
    return np.abs(np.fft.rfft(frames, n=n_fft, axis=-1))  # magnitude, not power
"""

FILTERBANK_LINEAR_EDGES = """
def mel_filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    fmax = sr / 2 if fmax is None else fmax
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    edges = np.linspace(fmin, fmax, n_mels + 2)  # equally spaced in Hz: not a mel filterbank
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    tri = np.maximum(0.0, np.minimum((freqs - lower) / (centre - lower), (upper - freqs) / (upper - centre)))
    return tri * (2.0 / (upper - lower))
"""

FILTERBANK_NOT_AREA_NORMALISED = """
def mel_filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    fmax = sr / 2 if fmax is None else fmax
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.maximum(0.0, np.minimum((freqs - lower) / (centre - lower), (upper - freqs) / (upper - centre)))
"""

LOG_POWER_CLIPPED_PER_FRAME = """
def log_power(E, amin=1e-10, top_db=80.0):
    db = 10.0 * np.log10(np.maximum(E, amin))
    if top_db is not None:
        db = np.maximum(db, db.max(axis=-1, keepdims=True) - top_db)  # per row, not the whole array
    return db
"""

DCT_WITHOUT_S0 = """
def dct_ii(x, n_coeffs):
    M = x.shape[-1]
    k = np.arange(n_coeffs)[:, None]
    m = np.arange(M)[None, :]
    return x @ (np.sqrt(2.0 / M) * np.cos(np.pi * k * (2 * m + 1) / (2 * M))).T  # c_0 not scaled by 1/sqrt(2)
"""

MFCC_NO_WINDOW = """
def mfcc(x, sr=SAMPLE_RATE, n_fft=256, hop_length=80, n_mels=26, n_mfcc=13):
    frames = frame_signal(np.asarray(x, dtype=np.float64), n_fft, hop_length)
    mel_energies = power_spectrum(frames, n_fft) @ mel_filterbank(sr, n_fft, n_mels).T
    return dct_ii(log_power(mel_energies), n_mfcc)
"""

NORMALISE_EACH_SPLIT_ITSELF = """
def normalize_splits(train, *others):
    normalised = []
    for part in (train, *others):
        frames = np.concatenate(part)  # every split with its own statistics
        normalised.append([((f - frames.mean(0)) / frames.std(0)).astype(np.float32) for f in part])
    frames = np.concatenate(train)
    return frames.mean(0), frames.std(0), normalised
"""

NORMALISE_MEAN_OF_SEQUENCE_MEANS = """
def normalize_splits(train, *others):
    mean = np.mean([f.mean(axis=0) for f in train], axis=0)  # short sequences weigh as much as long ones
    std = np.mean([f.std(axis=0) for f in train], axis=0)
    return mean, std, [[((f - mean) / std).astype(np.float32) for f in part] for part in (train, *others)]
"""

DATASET = """
class DigitSequences(Dataset):
    def __init__(self, features, labels):
        self.features = [torch.as_tensor(np.asarray(f), dtype={dtype}) for f in features]
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)

    def __len__(self):
        return len(self.features)

    def __getitem__(self, i):
        return self.features[i], self.labels[i]


def collate_padded(batch):
    {sort}
    sequences, labels = zip(*batch)
    x = nn.utils.rnn.pad_sequence(list(sequences), batch_first=True)
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.int64)
    return x, lengths, torch.stack([torch.as_tensor(y) for y in labels]).long()
"""
DATASET_FLOAT64 = DATASET.format(dtype="torch.float64", sort="pass  # features stay float64")
COLLATE_SORTS_BATCH = DATASET.format(
    dtype="torch.float32", sort="batch = sorted(batch, key=lambda item: -len(item[0]))  # order of the batch lost"
)

LSTM = """
class DigitLSTM(nn.Module):
    def __init__(self, n_features=13, hidden_size=64, n_classes=10, dropout=0.3, input_noise=0.3):
        super().__init__()
        self.input_noise = input_noise
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden_size, n_classes)

    def forward(self, x, lengths):
        if self.training and self.input_noise:
            x = x + self.input_noise * torch.randn_like(x)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=x.shape[1])
        return self.head(self.dropout({pooled}))
"""
LSTM_MEAN_OVER_T_MAX = LSTM.format(pooled="out.mean(dim=1)")  # the padded zeros count in the average
LSTM_LAST_PADDED_STEP = LSTM.format(pooled="out[:, -1]")  # a padded step (zeros) for shorter sequences

TRAIN = """
def train_model(model, train_loader, val_loader, checkpoint_path, epochs=30, lr=3e-3, patience=5,
                max_norm=1.0):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    history = {{"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}}
    best, waited = float("inf"), 0
    for _ in tqdm(range(epochs)):
        model.train()
        losses, hits, seen = [], 0, 0
        for x, lengths, y in train_loader:
            logits = model(x, lengths)
            loss = nn.functional.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            optimizer.step()
            losses.append(loss.item())
            hits += (logits.argmax(1) == y).sum().item()
            seen += len(y)
        scheduler.step()
        val_loss, val_acc, _, _ = evaluate(model, val_loader)
        history["loss"].append(float(np.mean(losses)))
        history["accuracy"].append(hits / seen)
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_acc)
        {epoch_end}
    {end}
    return history
"""
TRAIN_LAST_WEIGHTS = TRAIN.format(
    epoch_end="pass  # never stops early",
    end="torch.save(model.state_dict(), checkpoint_path)  # the last weights, not the best",
)
TRAIN_PATIENCE_OFF_BY_ONE = TRAIN.format(
    epoch_end="""if val_loss < best:
            best, waited = val_loss, 0
            torch.save(model.state_dict(), checkpoint_path)
        else:
            waited += 1
            if waited > patience:  # one epoch too many
                break""",
    end="model.load_state_dict(torch.load(checkpoint_path))",
)

CONFUSION = """
def confusion_matrix(y_true, y_pred, n_classes=10):
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    {count}
    return cm


def per_class_accuracy(cm):
    return np.diag(cm) / np.maximum(cm.sum(axis=1), 1)
"""
CONFUSION_TRANSPOSED = CONFUSION.format(count="np.add.at(cm, (np.asarray(y_pred), np.asarray(y_true)), 1)")
CONFUSION_FANCY_INDEX = CONFUSION.format(count="cm[np.asarray(y_true), np.asarray(y_pred)] += 1  # repeats once")

# --- correct, written differently ----------------------------------------------------------------------------

FRAME_STRIDED = """
def frame_signal(x, frame_length, hop_length):
    return np.lib.stride_tricks.sliding_window_view(np.asarray(x), frame_length)[::hop_length].copy()
"""

LSTM_LAST_STATES = """
class DigitLSTM(nn.Module):
    def __init__(self, n_features=13, hidden_size=64, n_classes=10, dropout=0.3, input_noise=0.3):
        super().__init__()
        self.input_noise = input_noise
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden_size, n_classes)

    def forward(self, x, lengths):
        if self.training and self.input_noise:
            x = x + self.input_noise * torch.randn_like(x)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)  # last real step of each direction, in the batch's order
        return self.head(self.dropout(torch.cat([h_n[-2], h_n[-1]], dim=1)))
"""

CONFUSION_LOOPS = """
def confusion_matrix(y_true, y_pred, n_classes=10):
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[int(t), int(p)] += 1
    return cm


def per_class_accuracy(cm):
    return np.array([cm[i, i] / cm[i].sum() if cm[i].sum() else 0.0 for i in range(len(cm))])
"""

FRAME_LIST = """
def frame_signal(x, frame_length, hop_length):
    x = np.asarray(x)
    return np.stack([x[s : s + frame_length] for s in range(0, len(x) - frame_length + 1, hop_length)])
"""

HANN_FROM_NUMPY = """
def hann_window(n):
    return np.hanning(n + 1)[:-1]  # the periodic window is the symmetric one of n + 1 points, last dropped
"""

POWER_REAL_IMAG = """
def power_spectrum(frames, n_fft):
    spectrum = scipy.fft.rfft(frames, n=n_fft, axis=-1)
    return spectrum.real**2 + spectrum.imag**2
"""

MEL_SCALE_LOG1P = """
def hz_to_mel(f):
    return 2595.0 / np.log(10.0) * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * np.expm1(np.asarray(m, dtype=np.float64) * np.log(10.0) / 2595.0)
"""

FILTERBANK_LOOP = """
def mel_filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    if fmax is None:
        fmax = sr / 2
    freqs = np.arange(n_fft // 2 + 1) * (sr / n_fft)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    weights = np.zeros((n_mels, len(freqs)))
    for j in range(n_mels):
        lo, mid, hi = edges[j], edges[j + 1], edges[j + 2]
        triangle = np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid))
        weights[j] = np.clip(triangle, 0.0, None) * 2.0 / (hi - lo)
    return weights
"""

LOG_POWER_CLIP = """
def log_power(E, amin=1e-10, top_db=80.0):
    db = 10.0 * np.log10(np.clip(E, amin, None))
    return db if top_db is None else np.clip(db, db.max() - top_db, None)
"""

DCT_SCIPY = """
def dct_ii(x, n_coeffs):
    return scipy.fft.dct(x, type=2, norm="ortho", axis=-1)[..., :n_coeffs]
"""

MFCC_EINSUM = """
def mfcc(x, sr=SAMPLE_RATE, n_fft=256, hop_length=80, n_mels=26, n_mfcc=13):
    frames = frame_signal(np.asarray(x, dtype=np.float64), n_fft, hop_length)
    spectrum = power_spectrum(frames * hann_window(n_fft)[None, :], n_fft)
    return dct_ii(log_power(np.einsum("tk,mk->tm", spectrum, mel_filterbank(sr, n_fft, n_mels))), n_mfcc)
"""

NORMALISE_RUNNING_SUMS = """
def normalize_splits(train, *others):
    count = sum(len(f) for f in train)
    mean = sum(f.sum(axis=0) for f in train) / count
    std = np.sqrt(sum(((f - mean) ** 2).sum(axis=0) for f in train) / count)
    return mean, std, [[((f - mean) / std).astype("float32") for f in part] for part in [train, *others]]
"""

DATASET_MANUAL_PADDING = """
class DigitSequences(Dataset):
    def __init__(self, features, labels):
        self.features = list(features)
        self.labels = np.asarray(labels)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(np.asarray(self.features[i], dtype=np.float32)), torch.tensor(int(self.labels[i]))


def collate_padded(batch):
    t_max, d = max(len(s) for s, _ in batch), batch[0][0].shape[1]
    x = torch.zeros(len(batch), t_max, d)
    for i, (s, _) in enumerate(batch):
        x[i, : len(s)] = s
    lengths = torch.tensor([len(s) for s, _ in batch], dtype=torch.int64)
    y = torch.tensor([int(label) for _, label in batch], dtype=torch.int64)
    return x, lengths, y
"""

LSTM_MASKED_MEAN = """
class DigitLSTM(nn.Module):
    def __init__(self, n_features=13, hidden_size=64, n_classes=10, dropout=0.3, input_noise=0.3):
        super().__init__()
        self.input_noise = input_noise
        self.rnn = nn.LSTM(input_size=n_features, hidden_size=hidden_size, batch_first=True, bidirectional=True)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * hidden_size, n_classes))

    def forward(self, x, lengths):
        if self.training and self.input_noise:
            x = x + self.input_noise * torch.randn_like(x)
        lengths = lengths.cpu()
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True)  # T = longest real sequence
        mask = torch.arange(out.shape[1])[None, :, None] < lengths[:, None, None]
        return self.classifier((out * mask).sum(dim=1) / lengths[:, None].float())
"""

TRAIN_BEST_EPOCH_COUNTER = """
def train_model(model, train_loader, val_loader, checkpoint_path, epochs=30, lr=3e-3, patience=5,
                max_norm=1.0):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    history = {key: [] for key in ("loss", "accuracy", "val_loss", "val_accuracy")}
    best_loss, best_epoch = None, 0
    with tqdm(total=epochs, desc="training") as bar:
        for epoch in range(epochs):
            model.train()
            total, batches, correct, count = 0.0, 0, 0, 0
            for x, lengths, y in train_loader:
                optimizer.zero_grad()
                logits = model(x, lengths)
                loss = nn.functional.cross_entropy(logits, y)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
                optimizer.step()
                total, batches = total + loss.item(), batches + 1
                correct, count = correct + int((logits.argmax(-1) == y).sum()), count + len(y)
            schedule.step()
            val_loss, val_accuracy, _, _ = evaluate(model, val_loader)
            for key, value in zip(history, (total / batches, correct / count, val_loss, val_accuracy)):
                history[key].append(value)
            bar.update()
            if best_loss is None or val_loss < best_loss:
                best_loss, best_epoch = val_loss, epoch
                torch.save(model.state_dict(), checkpoint_path)
            elif epoch - best_epoch >= patience:
                break
    model.load_state_dict(torch.load(checkpoint_path))
    return history
"""

CONFUSION_BINCOUNT = """
def confusion_matrix(y_true, y_pred, n_classes=10):
    codes = np.asarray(y_true, dtype=np.int64) * n_classes + np.asarray(y_pred, dtype=np.int64)
    return np.bincount(codes, minlength=n_classes * n_classes).reshape(n_classes, n_classes).astype(np.int64)


def per_class_accuracy(cm):
    cm = np.asarray(cm, dtype=np.float64)
    totals = cm.sum(axis=1)
    return np.divide(np.diag(cm), totals, out=np.zeros(len(cm)), where=totals > 0)
"""

# --- speaker split, augmentation, recognise_digits ---------------------------------------------------------------

SPLITS_BY_CLIP = """
def make_splits(clips, test_speaker, n_validation_takes=5):
    order = np.random.default_rng(0).permutation(len(clips))  # a random split of clips: speakers leak
    n_test = int(np.sum(np.asarray(clips.voices) == test_speaker))
    n_val = (len(clips) - n_test) // 10
    return {"test": np.sort(order[:n_test]), "validation": np.sort(order[n_test:n_test + n_val]),
            "train": np.sort(order[n_test + n_val:])}
"""

SPLITS_VALIDATION_FROM_TEST_SPEAKER = """
def make_splits(clips, test_speaker, n_validation_takes=5):
    voices = np.asarray(clips.voices)
    takes = np.array([int(r["take"]) for r in clips.info])
    validation = takes < n_validation_takes  # the test speaker's first takes validate (and steer) the model
    test = (voices == test_speaker) & ~validation
    train = ~test & ~validation
    return {"train": np.flatnonzero(train), "validation": np.flatnonzero(validation), "test": np.flatnonzero(test)}
"""

AUGMENT = """
def augment(x, speed=1.0, shift=0, gain_db=0.0, snr_db=None, rng=None):
    x = np.asarray(x, dtype=np.float64)
    n_out = int(np.floor((len(x) - 1) / speed)) + 1
    y = np.interp(np.arange(n_out) * speed, np.arange(len(x)), x) * 10.0 ** (gain_db / {gain_div})
    {shift_and_power}
    if snr_db is not None:
        y = y + rng.normal(0.0, {noise_std}, len(y))
    return y.astype(np.float32)
"""
RIGHT_SHIFT = "power = float(np.mean(y**2))\n    y = np.concatenate([np.zeros(int(shift)), y])"
AUGMENT_NOISE_AMPLITUDE_DB = AUGMENT.format(
    gain_div="20.0", shift_and_power=RIGHT_SHIFT, noise_std="np.sqrt(power) / 10.0 ** (snr_db / 10.0)"
)
AUGMENT_POWER_AFTER_SHIFT = AUGMENT.format(
    gain_div="20.0",
    shift_and_power="y = np.concatenate([np.zeros(int(shift)), y])\n    power = float(np.mean(y**2))",
    noise_std="np.sqrt(power / 10.0 ** (snr_db / 10.0))",
)
AUGMENT_ROLLS_AND_POWER_GAIN = AUGMENT.format(
    gain_div="10.0",  # a power gain applied to amplitudes
    shift_and_power="power = float(np.mean(y**2))\n    y = np.roll(y, int(shift))  # wraps the end round",
    noise_std="np.sqrt(power / 10.0 ** (snr_db / 10.0))",
)

RECOGNISE = """
def recognise_digits(waves, sample_rate):
    prepared = []
    for w in waves:
        w = np.asarray(w)
        x = w.astype(np.float64) / 32768.0 if w.dtype == np.int16 else w.astype(np.float64)
        {resample}
        prepared.append(x)
    feats = clip_features(prepared)
    {normalise}
    x, lengths, _ = collate_padded([(torch.from_numpy(f), torch.tensor(0)) for f in feats])
    recogniser.eval()
    with torch.no_grad():
        return recogniser(x, lengths).argmax(dim=1).numpy()
"""
GOOD_RESAMPLE = (
    "g = np.gcd(SAMPLE_RATE, int(sample_rate))\n"
    "        x = scipy.signal.resample_poly(x, SAMPLE_RATE // g, int(sample_rate) // g)"
)
GOOD_NORMALISE = "feats = [((f - MODEL_MEAN) / MODEL_STD).astype(np.float32) for f in feats]"
RECOGNISE_NO_RESAMPLING = RECOGNISE.format(resample="pass  # any rate is treated as 8 kHz", normalise=GOOD_NORMALISE)
RECOGNISE_OWN_STATISTICS = RECOGNISE.format(
    resample=GOOD_RESAMPLE,
    normalise="""frames = np.concatenate(feats)  # statistics of the new recordings, not of the training data
    feats = [((f - frames.mean(0)) / frames.std(0)).astype(np.float32) for f in feats]""",
)

ASSEMBLE = """
def assemble_sets(features, labels, split, augment_features, copies=1):
    labels = np.asarray(labels, dtype=np.int64)
    sets = {{}}
    for name in ("train", "validation", "test"):
        idx = split[name]
        feats, y = [features[i] for i in idx], labels[idx]
        {extend}
        sets[name] = (feats, y)
    return sets
"""
ASSEMBLE_AUGMENTS_EVERY_SPLIT = ASSEMBLE.format(
    extend="""if copies:  # validation and test clips get augmented copies too: the test set is no longer as recorded
            feats, y = feats + list(augment_features(idx, copies)), np.concatenate([y] * (1 + copies))"""
)
ASSEMBLE_LABELS_REPEATED_IN_PLACE = ASSEMBLE.format(
    extend="""if copies and name == "train":
            feats, y = feats + list(augment_features(idx, copies)), np.repeat(y, 1 + copies)  # 3 3 1 1, not 3 1 3 1"""
)

ASSEMBLE_COPIES_BY_LOOP = """
def assemble_sets(features, labels, split, augment_features, copies=1):
    out = {}
    for name, idx in split.items():
        out[name] = ([features[int(i)] for i in idx], np.array([labels[int(i)] for i in idx], dtype=np.int64))
    if copies > 0:
        extra = augment_features(split["train"], copies)
        train_labels = np.tile(out["train"][1], copies + 1)
        out["train"] = (out["train"][0] + [e for e in extra], train_labels)
    return out
"""

SPLITS_LOOP = """
def make_splits(clips, test_speaker, n_validation_takes=5):
    out = {"train": [], "validation": [], "test": []}
    for i, (speaker, info) in enumerate(zip(clips.voices, clips.info)):
        if speaker == test_speaker:
            out["test"].append(i)
        elif int(info["take"]) < n_validation_takes:
            out["validation"].append(i)
        else:
            out["train"].append(i)
    return {k: np.array(v, dtype=int) for k, v in out.items()}
"""

AUGMENT_OTHER_ORDER = """
def augment(x, speed=1.0, shift=0, gain_db=0.0, snr_db=None, rng=None):
    x = np.asarray(x, dtype=np.float64) * 10 ** (gain_db / 20)  # gain first: linear, so the order is free
    t = np.arange(0.0, len(x) - 1 + 1e-9, speed)
    y = np.interp(t, np.arange(len(x)), x)
    if snr_db is not None:
        noise_power = np.mean(y**2) * 10 ** (-snr_db / 10)
        out = rng.normal(0.0, np.sqrt(noise_power), len(y) + int(shift))
        out[int(shift):] += y
        return out.astype(np.float32)
    return np.pad(y, (int(shift), 0)).astype(np.float32)
"""

RECOGNISE_LIBROSA_LOADER = """
def recognise_digits(waves, sample_rate):
    waves = [np.asarray(w) / 32768.0 if np.asarray(w).dtype == np.int16 else np.asarray(w, dtype=np.float64)
             for w in waves]
    if sample_rate != SAMPLE_RATE:
        waves = [librosa.resample(w, orig_sr=sample_rate, target_sr=SAMPLE_RATE) for w in waves]
    feats = [(f - MODEL_MEAN) / MODEL_STD for f in clip_features(waves)]
    data = DataLoader(DigitSequences(feats, np.zeros(len(feats), int)), batch_size=16, collate_fn=collate_padded)
    recogniser.eval()
    with torch.no_grad():
        return np.concatenate([recogniser(x, lengths).argmax(1).numpy() for x, lengths, _ in data])
"""

VARIANTS = [
    # The mistakes the course must catch, each graded alone.
    Variant("frame_count_off_by_one", {"frame_signal": FRAME_OFF_BY_ONE}, loses=["test_frame_signal", "test_mfcc"]),
    Variant(
        "mel_scale_slaney_not_htk",
        {"mel_scale": MEL_SCALE_SLANEY},
        loses=["test_mel_scale", "test_mel_filterbank", "test_mfcc"],
    ),
    Variant(
        "normalisation_fitted_on_test_data_too",
        {"normalize_splits": NORMALISE_ON_ALL_DATA},
        loses=["test_normalize_splits"],
    ),
    Variant("lstm_reads_padding_unpacked", {"DigitLSTM": LSTM_UNPACKED}, loses=["test_DigitLSTM"]),
    Variant("mfcc_without_window", {"mfcc": MFCC_NO_WINDOW}, loses=["test_mfcc"]),
    # Mistakes in independent functions, graded together (each must lose its own tests cell).
    Variant(
        "partial_last_frame+hann_symmetric+each_split_own_stats+mean_over_T_max+confusion_transposed",
        {
            "frame_signal": FRAME_PADS_PARTIAL_LAST,
            "hann_window": HANN_SYMMETRIC,
            "normalize_splits": NORMALISE_EACH_SPLIT_ITSELF,
            "DigitLSTM": LSTM_MEAN_OVER_T_MAX,
            "confusion": CONFUSION_TRANSPOSED,
        },
        loses=["test_frame_signal", "test_hann_window", "test_normalize_splits", "test_DigitLSTM", "test_confusion"],
    ),
    Variant(
        "magnitude_not_power+mean_of_sequence_means+last_padded_step+confusion_fancy_index+dataset_float64",
        {
            "power_spectrum": POWER_NOT_SQUARED,
            "normalize_splits": NORMALISE_MEAN_OF_SEQUENCE_MEANS,
            "DigitLSTM": LSTM_LAST_PADDED_STEP,
            "confusion": CONFUSION_FANCY_INDEX,
            "dataset": DATASET_FLOAT64,
        },
        loses=["test_power_spectrum", "test_normalize_splits", "test_DigitLSTM", "test_confusion", "test_dataset"],
    ),
    Variant(
        "filterbank_linear_in_hz+log_power_per_frame+collate_sorts+patience_off_by_one",
        {
            "mel_filterbank": FILTERBANK_LINEAR_EDGES,
            "log_power": LOG_POWER_CLIPPED_PER_FRAME,
            "dataset": COLLATE_SORTS_BATCH,
            "train_model": TRAIN_PATIENCE_OFF_BY_ONE,
        },
        loses=["test_mel_filterbank", "test_log_power", "test_dataset", "test_train_model"],
    ),
    # A natural log only rescales the mel axis, which leaves points equally spaced in mel (the filter edges)
    # where they were: the filterbank and the MFCCs stay right, hz_to_mel itself is wrong.
    Variant(
        "mel_scale_natural_log+filterbank_not_area_normalised+dct_without_s0+last_weights_no_early_stopping+augment_rolls",
        {
            "mel_scale": MEL_SCALE_NATURAL_LOG,
            "mel_filterbank": FILTERBANK_NOT_AREA_NORMALISED,
            "dct_ii": DCT_WITHOUT_S0,
            "train_model": TRAIN_LAST_WEIGHTS,
            "augment": AUGMENT_ROLLS_AND_POWER_GAIN,
        },
        loses=["test_mel_scale", "test_mel_filterbank", "test_dct_ii", "test_train_model", "test_augment"],
    ),
    # The speaker split, augmentation and recognise_digits: independent tests cells, graded together.
    Variant(
        "splits_by_clip_leak_speakers+noise_std_in_power_db+test_set_augmented+no_resampling",
        {
            "make_splits": SPLITS_BY_CLIP,
            "augment": AUGMENT_NOISE_AMPLITUDE_DB,
            "assemble_sets": ASSEMBLE_AUGMENTS_EVERY_SPLIT,
            "recognise_digits": RECOGNISE_NO_RESAMPLING,
        },
        loses=["test_make_splits", "test_augment", "test_assemble_sets", "test_recognise_digits"],
    ),
    Variant(
        "validation_from_test_speaker+speech_power_after_shift+copy_labels_in_place+normalised_with_own_statistics",
        {
            "make_splits": SPLITS_VALIDATION_FROM_TEST_SPEAKER,
            "augment": AUGMENT_POWER_AFTER_SHIFT,
            "assemble_sets": ASSEMBLE_LABELS_REPEATED_IN_PLACE,
            "recognise_digits": RECOGNISE_OWN_STATISTICS,
        },
        loses=["test_make_splits", "test_augment", "test_assemble_sets", "test_recognise_digits"],
    ),
    # Correct, written differently: full marks.
    Variant(
        "strided_frames_last_states_loops",
        {"frame_signal": FRAME_STRIDED, "DigitLSTM": LSTM_LAST_STATES, "confusion": CONFUSION_LOOPS},
        loses=[],
    ),
    Variant(
        "every_function_written_differently",
        {
            "frame_signal": FRAME_LIST,
            "hann_window": HANN_FROM_NUMPY,
            "power_spectrum": POWER_REAL_IMAG,
            "mel_scale": MEL_SCALE_LOG1P,
            "mel_filterbank": FILTERBANK_LOOP,
            "log_power": LOG_POWER_CLIP,
            "dct_ii": DCT_SCIPY,
            "mfcc": MFCC_EINSUM,
            "normalize_splits": NORMALISE_RUNNING_SUMS,
            "dataset": DATASET_MANUAL_PADDING,
            "DigitLSTM": LSTM_MASKED_MEAN,
            "train_model": TRAIN_BEST_EPOCH_COUNTER,
            "confusion": CONFUSION_BINCOUNT,
            "make_splits": SPLITS_LOOP,
            "augment": AUGMENT_OTHER_ORDER,
            "assemble_sets": ASSEMBLE_COPIES_BY_LOOP,
            "recognise_digits": RECOGNISE_LIBROSA_LOADER,
        },
        loses=[],
    ),
]
