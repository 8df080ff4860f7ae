package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;

/**
 * One step of per-sample preprocessing on a planar float image. Random steps draw only from the
 * {@link Rng} they are handed (the loader gives each sample its own, seeded from seed, epoch and
 * index), so results do not depend on which thread runs them. Implementations are stateless and
 * thread-safe; they may return their input modified in place or a new image.
 */
@FunctionalInterface
public interface Transform {
    FloatImage apply(FloatImage img, Rng rng);

    /** This step followed by {@code next}. */
    default Transform then(Transform next) {
        Transform self = this;
        return (img, rng) -> next.apply(self.apply(img, rng), rng);
    }

    /** The identity. */
    static Transform identity() { return (img, rng) -> img; }
}
