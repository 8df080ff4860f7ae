package dev.sparkj.nn.models;

import dev.sparkj.nn.Module;
import dev.sparkj.tensor.Rng;

import java.util.List;
import java.util.Map;

/** Builds the model families by name or from an architecture description (a golden fixture's {@code arch}). */
public final class Models {
    private Models() {}

    /** The names {@link #create} knows. */
    public static final List<String> NAMES = List.of("resnet18", "resnet26", "resnet34", "resnet50", "resnet101", "resnet152",
            "resnet200", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large");

    /** A preset: timm's resnet18/26/34/50/101/152/200 or convnext_tiny/small/base/large. */
    public static Module create(String name, int numClasses, double dropPathRate, Rng rng) {
        if (name.startsWith("resnet")) return ResNet.create(name, numClasses, dropPathRate, rng);
        if (name.startsWith("convnext_")) return ConvNeXt.create(name, numClasses, dropPathRate, rng);
        throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", NAMES));
    }

    /**
     * A model from an {@code arch} map as in case.json: {@code family} "resnet" with {@code block}
     * ("basicblock" | "bottleneck"), {@code layers} [4] and {@code channels} [5]; or "convnext" with
     * {@code dims} [4] and {@code depths} [4]. Layer scale init 1e-6 for ConvNeXt.
     */
    public static Module fromArch(Map<String, ?> arch, int numClasses, double dropPathRate, Rng rng) {
        Object family = arch.get("family");
        if ("resnet".equals(family)) {
            Object block = arch.get("block");
            boolean bottleneck;
            if ("bottleneck".equals(block)) bottleneck = true;
            else if ("basicblock".equals(block)) bottleneck = false;
            else throw new IllegalArgumentException("arch.block must be basicblock or bottleneck, got " + block);
            return new ResNet(new ResNetConfig(bottleneck, ints(arch, "layers"), ints(arch, "channels"), numClasses, dropPathRate), rng);
        }
        if ("convnext".equals(family))
            return new ConvNeXt(new ConvNeXtConfig(ints(arch, "dims"), ints(arch, "depths"), numClasses, dropPathRate, 1e-6), rng);
        throw new IllegalArgumentException("arch.family must be resnet or convnext, got " + family);
    }

    private static int[] ints(Map<String, ?> m, String key) {
        if (!(m.get(key) instanceof List<?> l)) throw new IllegalArgumentException("arch." + key + " must be a list of integers, got " + m.get(key));
        int[] r = new int[l.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(l.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()))
                throw new IllegalArgumentException("arch." + key + "[" + i + "] must be an integer, got " + l.get(i));
            r[i] = n.intValue();
        }
        return r;
    }
}
