"""Shell completion: the candidates offered, and the scripts installed into shells."""
