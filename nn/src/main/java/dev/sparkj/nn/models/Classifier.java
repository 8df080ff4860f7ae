package dev.sparkj.nn.models;

import dev.sparkj.autograd.Variable;

/** A model with a classification head: images in, class logits out. */
public interface Classifier {

    /** Logits {@code [N, numClasses]} of dense images {@code [N, C, H, W]}. */
    Variable classify(Variable x);

    /** Number of classes (0 when the model has no head). */
    int numClasses();
}
