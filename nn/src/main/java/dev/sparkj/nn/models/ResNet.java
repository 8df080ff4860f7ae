package dev.sparkj.nn.models;

import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.BatchNorm2d;
import dev.sparkj.nn.Conv2d;
import dev.sparkj.nn.DropPath;
import dev.sparkj.nn.FeatureMaps;
import dev.sparkj.nn.GlobalAvgPool;
import dev.sparkj.nn.Init;
import dev.sparkj.nn.Linear;
import dev.sparkj.nn.MaxPool2d;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.ReLU;
import dev.sparkj.nn.Sequential;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.tensor.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * timm 0.5.4's {@code ResNet} (default stem and downsampling, as SparK uses it): conv1 7x7/2 → bn1 → act1 →
 * maxpool 3x3/2 → layer1..layer4 → global average pool → fc. Keys are timm's ({@code conv1.weight},
 * {@code bn1.*}, {@code layer2.0.downsample.0.weight}, {@code fc.weight}, ...), so timm checkpoints load
 * directly.
 *
 * <p>Initialisation (timm): every conv Kaiming-normal (fan_out, relu), BatchNorm γ=1 β=0, the last BN γ of
 * each block zero; fc keeps PyTorch's default.
 */
public final class ResNet extends Module implements HierarchicalEncoder, Classifier {
    private final ResNetConfig config;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final ReLU act1;
    private final MaxPool2d maxpool;
    private final Sequential[] stages = new Sequential[4];
    private final GlobalAvgPool globalPool;
    private final Linear fc;

    /** @param rng initialisation and drop-path decisions (drop path gets its own fork) */
    public ResNet(ResNetConfig config, Rng rng) {
        this.config = config;
        int[] ch = config.channels(), layers = config.layers();
        int inplanes = ch[0];
        conv1 = child("conv1", new Conv2d(3, inplanes, 7, 2, 3, false, null));
        bn1 = child("bn1", new BatchNorm2d(inplanes));
        act1 = child("act1", new ReLU());
        maxpool = child("maxpool", new MaxPool2d(3, 2, 1));
        int total = 0;
        for (int l : layers) total += l;
        Rng dropRng = config.dropPathRate() > 0 ? rng.fork() : null;
        int blockIdx = 0;
        int exp = config.expansion();
        for (int s = 0; s < 4; s++) {
            int planes = ch[s + 1], stride = s == 0 ? 1 : 2;
            Sequential stage = new Sequential();
            for (int b = 0; b < layers[s]; b++) {
                Sequential down = null;
                if (b == 0 && (stride != 1 || inplanes != planes * exp))
                    down = new Sequential(new Conv2d(inplanes, planes * exp, 1, stride, 0, false, null), new BatchNorm2d(planes * exp));
                double dpr = total > 1 ? config.dropPathRate() * blockIdx / (total - 1) : 0;
                DropPath dp = dpr > 0 ? new DropPath(dpr, dropRng.fork()) : null;
                int st = b == 0 ? stride : 1;
                stage.add(config.bottleneck() ? new Bottleneck(inplanes, planes, st, down, dp) : new BasicBlock(inplanes, planes, st, down, dp));
                inplanes = planes * exp;
                blockIdx++;
            }
            stages[s] = child("layer" + (s + 1), stage);
        }
        globalPool = child("global_pool", new GlobalAvgPool());
        fc = config.numClasses() > 0 ? child("fc", new Linear(inplanes, config.numClasses(), null)) : null;
        initWeights(rng);
    }

    /** A timm preset by name (resnet18/26/34/50/101/152/200). */
    public static ResNet create(String name, int numClasses, double dropPathRate, Rng rng) {
        return new ResNet(ResNetConfig.preset(name, numClasses, dropPathRate), rng);
    }

    private void initWeights(Rng rng) {
        for (Module m : namedModules().values()) {
            if (m instanceof Conv2d c) Init.kaimingNormalRelu(c.weight(), Init.FanMode.FAN_OUT, rng);
        }
        for (Module m : namedModules().values()) if (m instanceof ResNetBlock b) Init.zeros(b.lastNorm().weight());
        if (fc != null) Init.pytorchDefault(fc.weight(), fc.bias(), rng);
    }

    public ResNetConfig config() { return config; }

    @Override
    public int downsampleRatio() { return 32; }

    @Override
    public int[] featureChannels() { return config.stageChannels(); }

    /** The stem: conv1 → bn1 → act1 → maxpool (stride 4). */
    public FeatureMap stem(FeatureMap x) {
        return maxpool.forward(bn1.forwardThen(conv1.forward(x), act1));
    }

    /** layer1..layer4 outputs (strides 4, 8, 16, 32). */
    @Override
    public List<FeatureMap> forwardFeatures(FeatureMap x) {
        List<FeatureMap> out = new ArrayList<>(4);
        x = stem(ModelInputs.prepare(x));
        for (Sequential stage : stages) {
            x = stage.forward(x);
            out.add(x);
        }
        return out;
    }

    /** timm's {@code forward}: features → global average pool → fc. */
    @Override
    public Variable classify(Variable x) {
        if (fc == null) throw new IllegalStateException("this ResNet has no classifier head (num_classes 0)");
        FeatureMap last = forwardFeatures(FeatureMap.dense(x)).get(3);
        return fc.forward(globalPool.forward(FeatureMaps.dense(last, "global_pool")));
    }

    @Override
    public int numClasses() { return config.numClasses(); }

    /** Stage {@code i} (0-based: layer1 is 0). */
    public Sequential stage(int i) { return stages[i]; }

    /** The classifier, or null. */
    public Linear fc() { return fc; }

    @Override
    protected String extraRepr() { return config.toString(); }
}
