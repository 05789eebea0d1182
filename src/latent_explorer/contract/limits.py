"""Limits the routes share with the OpenAPI document (and the page), written once."""

MAX_IDS_PER_QUERY = 2_000
MAX_DECODE_POINTS = 1_000
#: Latent codes live within a few units of 0; 1e6 leaves room for any zoom while keeping
#: float32 (what the decoder computes in) far from overflow.
MAX_LATENT_ABS = 1e6
MAX_NEIGHBOURS = 100
MAX_SELECTED_IDS = 1_000_000
MAX_SELECTION_PARAMS_CHARS = 10_000
MAX_RETRAIN_EPOCHS = 10_000
MAX_EXPERIMENT_LIST = 200
#: Retrain epochs: the Submit form's one setting, served with the training settings.
RETRAIN_EPOCHS_HELP = "passes over the selection (blank: sized by compute)"
PER_POINT_KEYS = ("trustworthiness", "continuity", "neighborhood_hit", "reconstruction_error", "kl")
#: Per-point values a measure job fills in row by row (store/partial_values.py PARTIAL_KEYS).
PARTIAL_POINT_KEYS = ("trustworthiness", "continuity")
#: Per-point values from an experiment's seeds (core/seed_summary.py STABILITY_KEYS).
STABILITY_POINT_KEYS = ("stability_displacement", "stability_agreement")
EMBEDDING_FORMATS = ("json", "f32")
#: The explorer draws 2-D scatter plots; other latent sizes are for the Python API only.
EXPLORER_LATENT_DIM = 2
