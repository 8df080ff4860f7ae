package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Group structure of the reference's get_param_groups, for pre-training and for layer-wise lr decay. */
class ParamGroupsTest {
    static ParamRef p(int... shape) { return ParamRef.of(Tensor.zeros(shape)); }

    static List<String> names(ParamGroup g) { return List.copyOf(g.params().keySet()); }

    @Test
    void pretrainSplitsDecayAndNoDecay() {
        Map<String, ParamRef> m = new LinkedHashMap<>();
        m.put("sparse_encoder.sp_cnn.conv1.weight", p(4, 3, 3, 3));  // 4-D -> decay
        m.put("sparse_encoder.sp_cnn.bn1.weight", p(4));             // 1-D -> no decay
        m.put("sparse_encoder.sp_cnn.bn1.bias", p(4));               // .bias
        m.put("mask_tokens.0", p(1, 4, 1, 1));                       // contains "mask_token"
        m.put("sparse_encoder.sp_cnn.stages.0.0.gamma", p(4));       // contains "gamma"
        m.put("dense_decoder.proj.weight", p(2, 4, 1, 1));           // decay
        m.put("frozen.weight", new TensorParam(Tensor.zeros(2, 2), null, false)); // requires_grad False: left out
        List<ParamGroup> gs = ParamGroups.pretrain(m, 0.01);
        assertEquals(2, gs.size());
        assertEquals("decay", gs.get(0).name());
        assertEquals(List.of("sparse_encoder.sp_cnn.conv1.weight", "dense_decoder.proj.weight"), names(gs.get(0)));
        assertEquals(1.0, gs.get(0).weightDecayScale());
        assertEquals("no_decay", gs.get(1).name());
        assertEquals(List.of("sparse_encoder.sp_cnn.bn1.weight", "sparse_encoder.sp_cnn.bn1.bias", "mask_tokens.0",
                "sparse_encoder.sp_cnn.stages.0.0.gamma"), names(gs.get(1)));
        assertEquals(0.0, gs.get(1).weightDecayScale());
        for (ParamGroup g : gs) {
            assertEquals(1.0, g.lrScale());
            assertEquals(0.01, g.lr());
            assertEquals(0.0, g.weightDecay()); // SparK builds its optimizers with weight_decay=0
        }
    }

    @Test
    void groupsAppearInFirstUseOrder() {
        Map<String, ParamRef> m = new LinkedHashMap<>();
        m.put("bn.weight", p(3));
        m.put("conv.weight", p(3, 3, 1, 1));
        assertEquals(List.of("no_decay", "decay"), ParamGroups.pretrain(m, 1).stream().map(ParamGroup::name).toList());
    }

    @Test
    void resNet50LayerDecay() {
        // ResNet-50: layer2 has 4 blocks, layer3 6 -> 2 blocks per id in layer2, 3 in layer3; N = 2 + 2 + 2 = 6
        LayerIds ids = LayerIds.resnet(4, 6);
        assertEquals(6, ids.maxLayerId());
        assertEquals(0, ids.layerId("conv1.weight"));
        assertEquals(0, ids.layerId("bn1.bias"));
        assertEquals(1, ids.layerId("layer1.2.conv3.weight"));
        assertEquals(2, ids.layerId("layer2.1.conv1.weight"));   // 2 + 1 / 2
        assertEquals(3, ids.layerId("layer2.3.bn2.weight"));     // 2 + 3 / 2
        assertEquals(4, ids.layerId("layer3.2.conv1.weight"));   // 2 + 2 + 2 / 3
        assertEquals(5, ids.layerId("layer3.5.downsample.0.weight")); // 2 + 2 + 5 / 3
        assertEquals(6, ids.layerId("layer4.0.conv1.weight"));
        assertEquals(7, ids.layerId("fc.weight"));
        // ResNet-101: layer3 23 blocks -> ceil(23 / 3) = 8 ids, N = 2 + 2 + 8 = 12
        assertEquals(12, LayerIds.resnet(4, 23).maxLayerId());
        assertEquals(11, LayerIds.resnet(4, 23).layerId("layer3.22.conv1.weight")); // 2 + 2 + 22 / 3 = 11
        assertThrows(IllegalArgumentException.class, () -> LayerIds.resnet(2, 2)); // ResNet-18: no rule in the reference

        Map<String, ParamRef> m = new LinkedHashMap<>();
        m.put("conv1.weight", p(8, 3, 7, 7));
        m.put("bn1.weight", p(8));
        m.put("layer1.0.conv1.weight", p(8, 8, 1, 1));
        m.put("layer3.5.conv1.weight", p(8, 8, 1, 1));
        m.put("fc.weight", p(10, 8));
        m.put("fc.bias", p(10));
        List<ParamGroup> gs = ParamGroups.layerDecay(m, ParamGroups.SPARK_NO_WD_KEYS, 0.1, 0.7, ids);
        assertEquals(List.of("layer0_decay", "layer0_no_decay", "layer1_decay", "layer5_decay", "layer7_decay", "layer7_no_decay"),
                gs.stream().map(ParamGroup::name).toList());
        // lr scale = 0.7^(N + 1 - id): id 0 -> 0.7^7 = 0.0823543, id 1 -> 0.7^6 = 0.117649, id 5 -> 0.7^2 = 0.49, id 7 -> 1
        assertEquals(0.0823543, gs.get(0).lrScale(), 1e-15);
        assertEquals(0.0823543, gs.get(1).lrScale(), 1e-15);
        assertEquals(0.117649, gs.get(2).lrScale(), 1e-15);
        assertEquals(0.49, gs.get(3).lrScale(), 1e-15);
        assertEquals(1.0, gs.get(4).lrScale());
        assertEquals(0.0, gs.get(5).weightDecayScale());
        // decay outside (0, 1) or no rule: the plain two groups
        assertEquals(List.of("decay", "no_decay"), ParamGroups.layerDecay(m, ParamGroups.SPARK_NO_WD_KEYS, 0.1, 1.0, ids)
                .stream().map(ParamGroup::name).toList());
        assertEquals(List.of("decay", "no_decay"), ParamGroups.layerDecay(m, ParamGroups.SPARK_NO_WD_KEYS, 0.1, 0.7, null)
                .stream().map(ParamGroup::name).toList());
    }

    @Test
    void convNeXtLayerIds() {
        // ConvNeXt-S/B/L: stage 2 has 27 blocks -> N = 12
        LayerIds s = LayerIds.convnext(27);
        assertEquals(12, s.maxLayerId());
        assertEquals(0, s.layerId("downsample_layers.0.0.weight"));
        assertEquals(1, s.layerId("stages.0.2.pwconv1.weight"));
        assertEquals(2, s.layerId("downsample_layers.1.1.weight"));
        assertEquals(2, s.layerId("stages.1.0.gamma"));
        assertEquals(3, s.layerId("downsample_layers.2.0.bias"));
        assertEquals(3, s.layerId("stages.2.2.dwconv.weight"));   // 3 + 2 / 3
        assertEquals(11, s.layerId("stages.2.26.norm.weight"));   // 3 + 26 / 3
        assertEquals(12, s.layerId("downsample_layers.3.1.weight"));
        assertEquals(12, s.layerId("stages.3.2.pwconv2.bias"));
        assertEquals(13, s.layerId("norm.weight"));
        assertEquals(13, s.layerId("head.weight"));
        assertEquals(13, s.scaleExponent("downsample_layers.0.0.weight"));
        // ConvNeXt-T: stage 2 has 9 blocks -> N = 6; block 8 -> 3 + 8 / 3 = 5
        LayerIds t = LayerIds.convnext(9);
        assertEquals(6, t.maxLayerId());
        assertEquals(5, t.layerId("stages.2.8.dwconv.weight"));
        assertEquals(7, t.layerId("head.bias"));
    }
}
