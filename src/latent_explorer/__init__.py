"""latent-explorer: see what an autoencoder's 2-D latent space has learned."""

__version__ = "0.1.0"
