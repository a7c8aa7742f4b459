"""Catalogue of notebook 08 (stock forecasting): leaks, wrong shapes and wrong scales lose points; other
correct ways of writing the graded functions do not.

Each variant runs the whole notebook in fast mode through nbgrader, so wrong implementations whose tests
cells are independent share one submission (``combine``).
"""

from tests.catalogue import Variant, combine

SHUFFLED_SPLIT = """
def chronological_split(x, train_frac=0.7, val_frac=0.15):
    n_train, n_val = int(len(x) * train_frac), int(len(x) * val_frac)
    shuffled = x[np.random.default_rng(0).permutation(len(x))]
    return shuffled[:n_train], shuffled[n_train : n_train + n_val], shuffled[n_train + n_val :]
"""

SCALER_ON_ALL_DATA = """
def standardize(train, val, test):
    everything = np.concatenate([train, val, test])
    mean, std = everything.mean(axis=0), everything.std(axis=0)
    return (train - mean) / std, (val - mean) / std, (test - mean) / std, mean, std
"""

WINDOWS_INCLUDE_TARGET = """
def make_windows(series, lookback, horizon, target_col=0):
    series = np.asarray(series)
    if series.ndim == 1:
        series = series[:, None]
    n = len(series) - lookback - horizon + 1
    X = np.stack([series[i + 1 : i + 1 + lookback] for i in range(n)])  # off by one: ends on the target
    y = np.stack([series[i + lookback : i + lookback + horizon, target_col] for i in range(n)])
    return X, y
"""

WINDOWS_WRONG_SHAPE = """
def make_windows(series, lookback, horizon, target_col=0):
    series = np.asarray(series)
    if series.ndim == 1:
        series = series[:, None]
    n = len(series) - lookback - horizon + 1
    X = np.stack([series[i : i + lookback].T for i in range(n)])  # (N, F, lookback): time and features swapped
    y = np.stack([series[i + lookback : i + lookback + horizon, target_col] for i in range(n)])
    return X, y
"""

METRICS_ON_SCALED_VALUES = """
def predict_returns(predict_scaled, X_scaled, mean, std, target_col=0):
    return np.asarray(predict_scaled(X_scaled), dtype=np.float64)  # forgot to undo the scaling
"""

RETURNS_OF_QUOTED_CLOSE = """
def log_returns(prices):
    prices = np.asarray(prices)
    return np.log(prices[1:] / prices[:-1])


returns = log_returns(aapl.close)  # the quoted close: two 2-for-1 splits become -69% "crashes"
"""

MOVING_AVERAGE_OF_WHOLE_WINDOW = """
def moving_average_forecast(X, horizon, window, target_col=0):
    mean = X[:, :, target_col].mean(axis=1)  # ignores `window`: averages all lookback days
    return np.repeat(mean[:, None], horizon, axis=1)
"""

RMSE_WITHOUT_ROOT = """
def forecast_metrics(y_true, y_pred):
    err = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
    return {
        "rmse": float(np.mean(err**2)),  # the MSE
        "mae": float(np.mean(np.abs(err))),
        "directional_accuracy": float(np.mean((np.asarray(y_pred) > 0) == (np.asarray(y_true) > 0))),
    }
"""

TRANSFER_DOUBLE_BIAS = """
def keras_to_torch(keras_model, torch_model):
    kernel, recurrent_kernel, bias = keras_model.layers[0].get_weights()
    dense_kernel, dense_bias = keras_model.layers[1].get_weights()
    with torch.no_grad():
        torch_model.lstm.weight_ih_l0.copy_(torch.from_numpy(kernel.T))
        torch_model.lstm.weight_hh_l0.copy_(torch.from_numpy(recurrent_kernel.T))
        torch_model.lstm.bias_ih_l0.copy_(torch.from_numpy(bias))
        torch_model.lstm.bias_hh_l0.copy_(torch.from_numpy(bias))  # PyTorch adds both: bias counted twice
        torch_model.head.weight.copy_(torch.from_numpy(dense_kernel.T))
        torch_model.head.bias.copy_(torch.from_numpy(dense_bias))
    return torch_model
"""

FIT_WITHOUT_RESTORING_BEST = """
def fit_torch(model, X_train, y_train, X_val, y_val, epochs=40, patience=5, lr=1e-3, batch_size=64, seed=0):
    torch.manual_seed(seed)
    Xt, yt = torch.as_tensor(X_train, dtype=torch.float32), torch.as_tensor(y_train, dtype=torch.float32)
    Xv, yv = torch.as_tensor(X_val, dtype=torch.float32), torch.as_tensor(y_val, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "val_loss": []}
    best, waited = float("inf"), 0
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(Xt))
        total = 0.0
        for start in range(0, len(Xt), batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(Xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            val = nn.functional.mse_loss(model(Xv), yv).item()
        history["loss"].append(total / len(Xt))
        history["val_loss"].append(val)
        if val < best:
            best, waited = val, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return history  # stops in time, but keeps the weights of the last epoch
"""

SLIDING_WALK_FORWARD = """
def walk_forward_splits(n, initial_train, test_size):
    folds = []
    start, end = 0, initial_train
    while end + test_size <= n:
        folds.append((np.arange(start, end), np.arange(end, end + test_size)))
        start, end = start + test_size, end + test_size  # a sliding window forgets the oldest days
    return folds
"""

# Correct, written differently from the solution.
ALTERNATIVES = {
    "log_returns": """
def log_returns(prices):
    return np.diff(np.log(np.asarray(prices, dtype=np.float64)), axis=0)


returns = log_returns(aapl["adj_close"])
""",
    "chronological_split": """
def chronological_split(x, train_frac=0.7, val_frac=0.15):
    n_train = int(len(x) * train_frac)
    train, val, test = np.split(x, [n_train, n_train + int(len(x) * val_frac)])
    return train, val, test
""",
    "standardize": """
def standardize(train, val, test):
    mean = np.sum(train, axis=0) / len(train)
    std = np.sqrt(np.var(train, axis=0, ddof=1))  # sample std: within the tests' tolerance
    return tuple((part - mean) / std for part in (train, val, test)) + (mean, std)
""",
    "make_windows": """
def make_windows(series, lookback, horizon, target_col=0):
    s = np.asarray(series).reshape(len(series), -1)
    views = np.lib.stride_tricks.sliding_window_view(s, lookback + horizon, axis=0)  # (N, F, L + h)
    X = np.moveaxis(views[:, :, :lookback], 1, 2).copy()
    y = views[:, target_col, lookback:].copy()
    return X, y
""",
    "moving_average_forecast": """
def moving_average_forecast(X, horizon, window, target_col=0):
    recent = X[:, X.shape[1] - window :, target_col]
    return np.tile(recent.sum(axis=1, keepdims=True) / window, (1, horizon))
""",
    "forecast_metrics": """
def forecast_metrics(y_true, y_pred):
    diff = (np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)).ravel()
    hits = [(p > 0) == (t > 0) for p, t in zip(np.ravel(y_pred), np.ravel(y_true), strict=True)]
    return {
        "rmse": float(np.linalg.norm(diff) / np.sqrt(diff.size)),
        "mae": float(np.abs(diff).sum() / diff.size),
        "directional_accuracy": sum(hits) / len(hits),
    }
""",
    "predict_returns": """
def predict_returns(predict_scaled, X_scaled, mean, std, target_col=0):
    mean, std = np.broadcast_to(mean, (X_scaled.shape[-1],)), np.broadcast_to(std, (X_scaled.shape[-1],))
    return np.asarray(predict_scaled(X_scaled), dtype=np.float64) * std[target_col] + mean[target_col]
""",
    "build_keras_forecaster": """
def build_keras_forecaster(lookback, n_features, hidden, horizon):
    inputs = keras.Input(shape=(lookback, n_features))
    last_state = keras.layers.LSTM(hidden, return_sequences=False)(inputs)
    return keras.Model(inputs, keras.layers.Dense(horizon)(last_state))
""",
    "TorchForecaster": """
class TorchForecaster(nn.Module):
    def __init__(self, n_features, hidden, horizon):
        super().__init__()
        self.lstm = nn.LSTM(input_size=n_features, hidden_size=hidden, num_layers=1, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])
""",
    "keras_to_torch": """
def keras_to_torch(keras_model, torch_model):
    lstm_layer, dense_layer = [layer for layer in keras_model.layers if layer.get_weights()]
    kernel, recurrent_kernel, bias = lstm_layer.get_weights()
    dense_kernel, dense_bias = dense_layer.get_weights()
    state = {
        "lstm.weight_ih_l0": kernel.T,
        "lstm.weight_hh_l0": recurrent_kernel.T,
        "lstm.bias_ih_l0": bias,
        "lstm.bias_hh_l0": np.zeros_like(bias),
        "head.weight": dense_kernel.T,
        "head.bias": dense_bias,
    }
    torch_model.load_state_dict({k: torch.tensor(np.ascontiguousarray(v)) for k, v in state.items()})
    return torch_model
""",
    "fit_torch": """
def fit_torch(model, X_train, y_train, X_val, y_val, epochs=40, patience=5, lr=1e-3, batch_size=64, seed=0):
    torch.manual_seed(seed)
    data = torch.utils.data.TensorDataset(torch.tensor(X_train, dtype=torch.float32),
                                          torch.tensor(y_train, dtype=torch.float32))
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True)
    Xv, yv = torch.tensor(X_val, dtype=torch.float32), torch.tensor(y_val, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history, best_epoch, snapshot = {"loss": [], "val_loss": []}, 0, None
    for epoch in range(epochs):
        model.train()
        losses = []
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = ((model(xb) - yb) ** 2).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item() * len(xb))
        model.eval()
        with torch.no_grad():
            history["val_loss"].append(((model(Xv) - yv) ** 2).mean().item())
        history["loss"].append(sum(losses) / len(data))
        if history["val_loss"][-1] <= min(history["val_loss"]):
            best_epoch, snapshot = epoch, {k: v.clone() for k, v in model.state_dict().items()}
        elif epoch - best_epoch >= patience:
            break
    model.load_state_dict(snapshot)
    return history
""",
    "walk_forward_splits": """
def walk_forward_splits(n, initial_train, test_size):
    n_folds = max(0, (n - initial_train) // test_size)
    ends = [initial_train + k * test_size for k in range(n_folds)]
    return [(np.arange(0, e), np.arange(e, e + test_size)) for e in ends]
""",
    "leaks": 'LEAKS = frozenset("CBA")',
}

VARIANTS = [
    # The three leaks of the issue, plus mistakes in the frameworks part; every tests cell is independent.
    combine(
        Variant("split_shuffled", {"chronological_split": SHUFFLED_SPLIT}, loses=["test_chronological_split"]),
        Variant("scaler_fitted_on_all_data", {"standardize": SCALER_ON_ALL_DATA}, loses=["test_standardize"]),
        Variant("windows_include_target", {"make_windows": WINDOWS_INCLUDE_TARGET}, loses=["test_make_windows"]),
        Variant("transfer_double_bias", {"keras_to_torch": TRANSFER_DOUBLE_BIAS}, loses=["test_keras_to_torch"]),
        Variant("no_best_weights", {"fit_torch": FIT_WITHOUT_RESTORING_BEST}, loses=["test_fit_torch"]),
        Variant(
            "sliding_walk_forward", {"walk_forward_splits": SLIDING_WALK_FORWARD}, loses=["test_walk_forward_splits"]
        ),
    ),
    # Wrong shapes, wrong units and wrong averages.
    combine(
        Variant("windows_wrong_shape", {"make_windows": WINDOWS_WRONG_SHAPE}, loses=["test_make_windows"]),
        Variant(
            "metrics_on_scaled_values", {"predict_returns": METRICS_ON_SCALED_VALUES}, loses=["test_predict_returns"]
        ),
        Variant("returns_of_quoted_close", {"log_returns": RETURNS_OF_QUOTED_CLOSE}, loses=["test_log_returns"]),
        Variant(
            "moving_average_of_whole_window",
            {"moving_average_forecast": MOVING_AVERAGE_OF_WHOLE_WINDOW},
            loses=["test_moving_average_forecast"],
        ),
        Variant("rmse_without_root", {"forecast_metrics": RMSE_WITHOUT_ROOT}, loses=["test_forecast_metrics"]),
    ),
    Variant("correct_alternatives", ALTERNATIVES, loses=[]),
]
