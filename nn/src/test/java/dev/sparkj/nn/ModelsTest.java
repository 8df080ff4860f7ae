package dev.sparkj.nn;

import dev.sparkj.autograd.NoGrad;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.models.ConvNeXt;
import dev.sparkj.nn.models.ConvNeXtConfig;
import dev.sparkj.nn.models.Models;
import dev.sparkj.nn.models.ResNet;
import dev.sparkj.nn.models.ResNetConfig;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Model families: key names and order against lists printed by the reference, shapes, init, factory. */
class ModelsTest {

    private static List<String> keys(String file) throws IOException {
        try (InputStream in = ModelsTest.class.getResourceAsStream("/keys/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @Test
    void resnetKeysMatchTimm() throws IOException {
        ResNet b = new ResNet(new ResNetConfig(true, new int[]{1, 1, 2, 1}, ResNetConfig.STANDARD_CHANNELS, 5, 0), new Rng(1));
        assertEquals(keys("resnet_bottleneck_1121.state.txt"), List.copyOf(b.stateDict().keySet()));
        assertEquals(keys("resnet_bottleneck_1121.params.txt"), List.copyOf(b.namedParameters().keySet()));
        ResNet r = new ResNet(new ResNetConfig(false, new int[]{2, 1, 1, 1}, ResNetConfig.STANDARD_CHANNELS, 5, 0), new Rng(2));
        assertEquals(keys("resnet_basic_2111.state.txt"), List.copyOf(r.stateDict().keySet()));
        assertEquals(keys("resnet_basic_2111.params.txt"), List.copyOf(r.namedParameters().keySet()));
    }

    @Test
    void convnextKeysMatchSpark() throws IOException {
        ConvNeXt c = new ConvNeXt(new ConvNeXtConfig(new int[]{4, 8, 16, 32}, new int[]{1, 1, 2, 1}, 5, 0.1, 1e-6), new Rng(3));
        assertEquals(keys("convnext_1121.state.txt"), List.copyOf(c.stateDict().keySet()));
        assertEquals(keys("convnext_1121.params.txt"), List.copyOf(c.namedParameters().keySet()));
        ConvNeXt h = new ConvNeXt(new ConvNeXtConfig(new int[]{4, 8, 16, 32}, new int[]{1, 1, 2, 1}, 0, 0, 1e-6), new Rng(4));
        assertEquals(keys("convnext_1121_headless.state.txt"), List.copyOf(h.stateDict().keySet()));
    }

    @Test
    void resnetShapesAndInit() {
        ResNet r = new ResNet(new ResNetConfig(true, new int[]{1, 1, 1, 1}, new int[]{4, 4, 8, 8, 16}, 3, 0), new Rng(5));
        assertArrayEquals(new int[]{16, 32, 32, 64}, r.featureChannels());
        assertEquals(32, r.downsampleRatio());
        Map<String, Tensor> sd = r.stateDict();
        assertEquals(0, sd.get("layer2.0.bn3.weight").abs().sum().item(), "last BN gamma of each block is zero");
        assertEquals(8, sd.get("layer2.0.bn2.weight").sum().item(), 1e-6); // planes of layer2 = 8
        double std = Math.sqrt(sd.get("conv1.weight").square().mean().item());
        assertEquals(Math.sqrt(2.0 / (4 * 49)), std, 0.15 * Math.sqrt(2.0 / (4 * 49)), "kaiming normal, fan_out");
        Tensor x = new Rng(6).normal(0, 1, 2, 3, 64, 64);
        List<FeatureMap> f;
        try (NoGrad ignored = NoGrad.enter()) {
            r.eval();
            f = r.forwardFeatures(FeatureMap.dense(Variable.of(x)));
            assertArrayEquals(new int[]{2, 3}, r.classify(Variable.of(x)).shape());
        }
        assertArrayEquals(new int[]{2, 16, 16, 16}, f.get(0).shape());
        assertArrayEquals(new int[]{2, 32, 8, 8}, f.get(1).shape());
        assertArrayEquals(new int[]{2, 32, 4, 4}, f.get(2).shape());
        assertArrayEquals(new int[]{2, 64, 2, 2}, f.get(3).shape());
    }

    @Test
    void convnextShapesAndInit() {
        ConvNeXt c = new ConvNeXt(new ConvNeXtConfig(new int[]{4, 8, 8, 16}, new int[]{1, 1, 1, 1}, 3, 0, 1e-6), new Rng(7));
        Map<String, Tensor> sd = c.stateDict();
        assertEquals(4e-6, sd.get("stages.0.0.gamma").sum().item(), 1e-12);
        assertEquals(0, sd.get("stages.1.0.pwconv1.bias").abs().sum().item());
        Tensor x = new Rng(8).normal(0, 1, 1, 3, 64, 64);
        try (NoGrad ignored = NoGrad.enter()) {
            List<FeatureMap> f = c.forwardFeatures(FeatureMap.dense(Variable.of(x)));
            assertArrayEquals(new int[]{1, 4, 16, 16}, f.get(0).shape());
            assertArrayEquals(new int[]{1, 16, 2, 2}, f.get(3).shape());
            assertArrayEquals(new int[]{1, 3}, c.classify(Variable.of(x)).shape());
        }
    }

    @Test
    void factory() {
        assertEquals(List.of(64, 128, 256, 512), boxed(((ResNet) Models.create("resnet34", 0, 0, new Rng(9))).featureChannels()));
        Map<String, Object> arch = Map.of("family", "resnet", "block", "bottleneck", "layers", List.of(1L, 1L, 1L, 1L),
                "channels", List.of(8L, 8L, 16L, 32L, 64L));
        ResNet r = (ResNet) Models.fromArch(arch, 10, 0, new Rng(10));
        assertArrayEquals(new int[]{32, 64, 128, 256}, r.featureChannels());
        ConvNeXt c = (ConvNeXt) Models.fromArch(Map.of("family", "convnext", "dims", List.of(4L, 8L, 16L, 32L), "depths", List.of(1L, 1L, 1L, 1L)), 0, 0, new Rng(11));
        assertArrayEquals(new int[]{4, 8, 16, 32}, c.featureChannels());
        assertThrows(IllegalArgumentException.class, () -> Models.create("vgg16", 10, 0, new Rng(12)));
    }

    private static List<Integer> boxed(int[] a) { return java.util.Arrays.stream(a).boxed().toList(); }
}
