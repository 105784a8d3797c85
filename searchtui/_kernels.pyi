import numpy as np

def count_values(
    select: np.ndarray, start: np.ndarray, vals: np.ndarray, out: np.ndarray, step: int
) -> None: ...
def count_story_pairs(
    mask: np.ndarray,
    members: np.ndarray,
    bounds: np.ndarray,
    pair_key: np.ndarray,
    value_of: np.ndarray,
    out: np.ndarray,
    holders: np.ndarray | None = None,
) -> None: ...
def best_in_groups(group: np.ndarray, keys: np.ndarray) -> np.ndarray: ...
