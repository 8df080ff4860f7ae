package dev.sparkj.nn.models;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.Conv2d;
import dev.sparkj.nn.DropPath;
import dev.sparkj.nn.FeatureMaps;
import dev.sparkj.nn.Init;
import dev.sparkj.nn.LayerNorm;
import dev.sparkj.nn.Linear;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.ModuleList;
import dev.sparkj.nn.Sequential;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * ConvNeXt as in SparK's {@code models/convnext.py}: {@code downsample_layers.0} = stem (conv 4x4/4 →
 * LayerNorm channels-first), {@code downsample_layers.1..3} = LayerNorm channels-first → conv 2x2/2;
 * {@code stages.0..3} of {@link ConvNeXtBlock}s; head {@code norm} (LayerNorm channels-last) and {@code fc}.
 * All LayerNorms use eps 1e-6.
 *
 * <p>Initialisation (as the reference): every Conv2d / Linear of the trunk truncated-normal std 0.02
 * (timm bounds ±2) with zero bias, γ = layer-scale init; the head ({@code norm}, {@code fc}) is created
 * after that pass, so fc keeps PyTorch's default initialisation.
 */
public final class ConvNeXt extends Module implements HierarchicalEncoder, Classifier {
    private final ConvNeXtConfig config;
    private final ModuleList<Sequential> downsampleLayers;
    private final ModuleList<Sequential> stages;
    private final LayerNorm norm;
    private final Linear fc;

    /** @param rng initialisation and drop-path decisions */
    public ConvNeXt(ConvNeXtConfig config, Rng rng) {
        this.config = config;
        int[] dims = config.dims(), depths = config.depths();
        downsampleLayers = child("downsample_layers", new ModuleList<>());
        downsampleLayers.add(new Sequential(new Conv2d(3, dims[0], 4, 4, 0, true, null), LayerNorm.channelsFirst(dims[0], 1e-6)));
        for (int i = 0; i < 3; i++)
            downsampleLayers.add(new Sequential(LayerNorm.channelsFirst(dims[i], 1e-6),
                    new Conv2d(dims[i], dims[i + 1], 2, 2, 0, true, null)));
        stages = child("stages", new ModuleList<>());
        int total = 0;
        for (int d : depths) total += d;
        Rng dropRng = config.dropPathRate() > 0 ? rng.fork() : null;
        int cur = 0;
        for (int s = 0; s < 4; s++) {
            Sequential stage = new Sequential();
            for (int j = 0; j < depths[s]; j++) {
                double dpr = total > 1 ? config.dropPathRate() * (cur + j) / (total - 1) : 0;
                DropPath dp = dpr > 0 ? new DropPath(dpr, dropRng.fork()) : null;
                stage.add(new ConvNeXtBlock(dims[s], config.layerScaleInit(), dp));
            }
            stages.add(stage);
            cur += depths[s];
        }
        for (Module m : namedModules().values()) {
            if (m instanceof Conv2d c) initTrunc(c.weight(), c.bias(), rng);
            else if (m instanceof Linear l) initTrunc(l.weight(), l.bias(), rng);
        }
        if (config.numClasses() > 0) {
            norm = child("norm", LayerNorm.channelsLast(dims[3], 1e-6));
            fc = child("fc", new Linear(dims[3], config.numClasses(), rng));
        } else {
            norm = null;
            fc = null;
        }
    }

    private static void initTrunc(Variable w, Variable b, Rng rng) {
        Init.truncNormal(w, 0.02, rng);
        if (b != null) Init.zeros(b);
    }

    /** A preset by name (convnext_tiny/small/base/large). */
    public static ConvNeXt create(String name, int numClasses, double dropPathRate, Rng rng) {
        return new ConvNeXt(ConvNeXtConfig.preset(name, numClasses, dropPathRate), rng);
    }

    public ConvNeXtConfig config() { return config; }

    @Override
    public int downsampleRatio() { return 32; }

    @Override
    public int[] featureChannels() { return config.dims(); }

    /** Outputs of stages 0..3 (strides 4, 8, 16, 32). */
    @Override
    public List<FeatureMap> forwardFeatures(FeatureMap x) {
        List<FeatureMap> out = new ArrayList<>(4);
        x = ModelInputs.prepare(x);
        for (int i = 0; i < 4; i++) {
            x = downsampleLayers.get(i).forward(x);
            x = stages.get(i).forward(x);
            out.add(x);
        }
        return out;
    }

    /** {@code fc(norm(mean over H, W of the last map))}. */
    @Override
    public Variable classify(Variable x) {
        if (fc == null) throw new IllegalStateException("this ConvNeXt has no classifier head (num_classes 0)");
        Variable last = FeatureMaps.dense(forwardFeatures(FeatureMap.dense(x)).get(3), "ConvNeXt head");
        return fc.forward(norm.forward(F.mean(last, new int[]{2, 3}, false)));
    }

    @Override
    public int numClasses() { return config.numClasses(); }

    public Sequential stage(int i) { return stages.get(i); }

    public Sequential downsampleLayer(int i) { return downsampleLayers.get(i); }

    @Override
    protected String extraRepr() { return config.toString(); }
}
