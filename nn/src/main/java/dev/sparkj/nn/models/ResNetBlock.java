package dev.sparkj.nn.models;

import dev.sparkj.nn.BatchNorm2d;
import dev.sparkj.nn.ImageLayer;
import dev.sparkj.nn.Module;

/** A residual block of timm's ResNet ({@link BasicBlock} or {@link Bottleneck}). */
public abstract sealed class ResNetBlock extends Module implements ImageLayer permits BasicBlock, Bottleneck {

    /** The block's last BatchNorm, whose γ timm zero-initialises ({@code zero_init_last_bn}). */
    public abstract BatchNorm2d lastNorm();
}
