// The per-point values "Colour by" offers (the distortion map and its kin), each with the
// words the page shows for it: label, help (the option's tooltip), whether it is diverging
// (red below the typical value), VAE only, or from the experiment's other seeds.

export const PER_POINT = [
  {
    key: "trustworthiness",
    label: "Local trustworthiness",
    diverging: true,
    help: "Per point: are its 7 nearest neighbours in 2-D also near in the data? Red: less than typical.",
  },
  {
    key: "continuity",
    label: "Local continuity",
    diverging: true,
    help: "Per point: do its 7 nearest neighbours in the data stay near in 2-D? Red: torn apart more than typical.",
  },
  { key: "neighborhood_hit", label: "Neighbourhood hit", help: "Share of the point's 3 nearest 2-D neighbours of its class." },
  { key: "reconstruction_error", label: "Reconstruction error", help: "Mean squared error of the point's reconstruction." },
  { key: "kl", label: "KL (VAE)", vaeOnly: true, help: "KL divergence of the point's posterior from the prior." },
  // From the experiment's other seeds (Seeds > 1 in the training settings), once all are in.
  {
    key: "stability_displacement",
    label: "Stability: displacement",
    seeds: true,
    help: "How far the point moves between seeds, after each seed's map is turned, mirrored, scaled and shifted onto the first; relative to the map's size. Low: stable.",
  },
  {
    key: "stability_agreement",
    label: "Stability: neighbour agreement",
    seeds: true,
    help: "How many of the point's 7 nearest neighbours in the map stay its neighbours in every seed (1: all of them). High: stable.",
  },
];
