package dev.sparkj.nn.optim;

import dev.sparkj.nn.Module;
import dev.sparkj.nn.models.Models;
import dev.sparkj.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Layer-decay groups built from the real parameter names of (slim) ResNet-50 and ConvNeXt-S models. */
class LayerDecayModelsTest {
    static Map<String, Integer> sizes(List<ParamGroup> gs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (ParamGroup g : gs) m.put(g.name(), g.params().size());
        return m;
    }

    @Test
    void resNet50() {
        Module m = Models.fromArch(Map.of("family", "resnet", "block", "bottleneck", "layers", List.of(3, 4, 6, 3),
                "channels", List.of(8, 8, 16, 32, 64)), 10, 0, new Rng(0));
        List<ParamGroup> gs = ParamGroups.layerDecay(ParamRef.of(m.namedParameters()), ParamGroups.SPARK_NO_WD_KEYS, 1e-3, 0.7,
                LayerIds.resnet(4, 6));
        // a bottleneck block has 3 conv weights (decay) and 3 BN weight+bias pairs (no decay); a downsample adds 1 + 2.
        // id 0: conv1 / bn1; 1: layer1 (3 blocks + ds); 2: layer2.0-1 (+ ds); 3: layer2.2-3; 4: layer3.0-2 (+ ds);
        // 5: layer3.3-5; 6: layer4 (3 blocks + ds); 7: fc
        Map<String, Integer> want = new LinkedHashMap<>();
        int[][] counts = {{1, 2}, {10, 20}, {7, 14}, {6, 12}, {10, 20}, {9, 18}, {10, 20}, {1, 1}};
        for (int id = 0; id < counts.length; id++) {
            want.put("layer" + id + "_decay", counts[id][0]);
            want.put("layer" + id + "_no_decay", counts[id][1]);
        }
        assertEquals(want, sizes(gs)); // also checks the order of the groups (first use)
        for (ParamGroup g : gs) {
            int id = Integer.parseInt(g.name().substring(5, g.name().indexOf('_')));
            assertEquals(Math.pow(0.7, 7 - id), g.lrScale(), 1e-15, g.name());
            assertEquals(g.name().endsWith("_no_decay") ? 0.0 : 1.0, g.weightDecayScale(), g.name());
        }
    }

    @Test
    void convNeXtSmall() {
        Module m = Models.fromArch(Map.of("family", "convnext", "dims", List.of(8, 8, 16, 16), "depths", List.of(3, 3, 27, 3)),
                10, 0, new Rng(0));
        List<ParamGroup> gs = ParamGroups.layerDecay(ParamRef.of(m.namedParameters()), ParamGroups.SPARK_NO_WD_KEYS, 1e-3, 0.7,
                LayerIds.convnext(27));
        Map<String, Integer> got = sizes(gs);
        // a block: dwconv/pwconv1/pwconv2 weights decay (3); their biases, norm weight+bias and gamma do not (6).
        // downsample layers: conv weight decays (1), conv bias and LayerNorm weight+bias do not (3).
        Map<String, Integer> want = new LinkedHashMap<>();
        want.put("layer0_decay", 1); want.put("layer0_no_decay", 3);       // stem
        want.put("layer1_decay", 9); want.put("layer1_no_decay", 18);      // stages.0
        want.put("layer2_decay", 10); want.put("layer2_no_decay", 21);     // downsample 1 + stages.1
        want.put("layer3_decay", 10); want.put("layer3_no_decay", 21);     // downsample 2 + stages.2.0-2
        for (int id = 4; id <= 11; id++) { want.put("layer" + id + "_decay", 9); want.put("layer" + id + "_no_decay", 18); }
        want.put("layer12_decay", 10); want.put("layer12_no_decay", 21);   // downsample 3 + stages.3
        want.put("layer13_decay", 1); want.put("layer13_no_decay", 3);     // norm weight+bias, head weight / bias
        assertEquals(new TreeMap<>(want), new TreeMap<>(got)); // group order follows the model's parameter order
        assertEquals(28, gs.size());
        for (ParamGroup g : gs) {
            int id = Integer.parseInt(g.name().substring(5, g.name().indexOf('_')));
            assertEquals(Math.pow(0.7, 13 - id), g.lrScale(), 1e-15, g.name());
        }
    }
}
