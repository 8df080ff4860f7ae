package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.models.BasicBlock;
import dev.sparkj.nn.models.Bottleneck;
import dev.sparkj.nn.models.ConvNeXtBlock;
import dev.sparkj.tensor.Rng;
import org.junit.jupiter.api.Test;

import static dev.sparkj.nn.Checks.checkLayer;
import static dev.sparkj.nn.Checks.checkModule;
import static dev.sparkj.nn.Checks.randn;
import static dev.sparkj.nn.Checks.randomize;

/** Gradient checks of the residual blocks as composed by the models (training-mode BatchNorm, drop path). */
class BlockGradTest {

    private static void initConvs(Module m, long seed) {
        Rng r = new Rng(seed);
        for (Module x : m.namedModules().values())
            if (x instanceof Conv2d c) Init.pytorchDefault(c.weight(), c.bias(), r);
            else if (x instanceof Linear l) Init.pytorchDefault(l.weight(), l.bias(), r);
    }

    @Test
    void basicBlockWithDownsample() {
        Sequential down = new Sequential(new Conv2d(2, 3, 1, 2, 0, false, null), new BatchNorm2d(3));
        BasicBlock b = new BasicBlock(2, 3, 2, down, null);
        initConvs(b, 1);
        randomize(b, 2);
        checkLayer(b, randn(3, 2, 2, 4, 4));
    }

    @Test
    void bottleneckIdentityShortcut() {
        Bottleneck b = new Bottleneck(8, 2, 1, null, null);
        initConvs(b, 4);
        randomize(b, 5);
        checkLayer(b, randn(6, 2, 8, 3, 3));
    }

    @Test
    void convNeXtBlock() {
        ConvNeXtBlock b = new ConvNeXtBlock(3, 0.5, null);
        initConvs(b, 7);
        randomize(b, 8);
        checkLayer(b, randn(9, 2, 3, 3, 3));
        // the block's pieces with a fixed drop-path mask (sample 0 kept at 1/(1-0.5), sample 1 dropped)
        checkModule(b, x -> {
            Variable y = b.pointwise(F.permute(b.dwconv().forward(x), 0, 2, 3, 1));
            return F.add(x, DropPath.apply(F.permute(y, 0, 3, 1, 2), new double[]{2, 0}));
        }, randn(10, 2, 3, 3, 3));
    }
}
