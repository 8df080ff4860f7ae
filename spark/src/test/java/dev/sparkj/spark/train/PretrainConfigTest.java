package dev.sparkj.spark.train;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainConfigTest {
    @Test
    void referenceDefaultsPerFamily() {
        PretrainConfig r = PretrainConfig.builder("resnet50").build();
        assertEquals(224, r.inputH());
        assertEquals(4096, r.batch());
        assertEquals(1600, r.epochs());
        assertEquals(40, r.warmupEpochs());
        assertEquals(2e-4, r.baseLr());
        assertEquals(2e-4 * 4096 / 256, r.peakLr(), 0.0);
        assertEquals(0.04, r.wd());
        assertEquals(0.2, r.wde());
        assertEquals(0.6, r.maskRatio());
        assertEquals(768, r.decoderWidth());
        assertEquals(5.0, r.clip());
        assertEquals("bn", r.densifyNorm());
        assertEquals(0.95, r.beta2());
        assertEquals(0.05, r.dropPath());
        assertEquals("resnet", r.family());

        PretrainConfig c = PretrainConfig.builder("convnext_small").build();
        assertEquals("ln", c.densifyNorm());
        assertEquals(0.999, c.beta2());
        assertEquals(0.2, c.dropPath());
        assertEquals("convnext", c.family());

        assertEquals(0.0, PretrainConfig.builder("resnet18").build().dropPath());
        assertEquals(0.3, PretrainConfig.builder("resnet50").dropPath(0.3).build().dropPath(), "explicit drop path wins");
    }

    @Test
    void jsonRoundTripKeepsEveryField() {
        PretrainConfig c = TinyRuns.config(Path.of("runs/x")).maxIters(17).saveEvery(3).seed(-5).wd(0.01).wde(0.3).clip(2.5)
                .inputSize(64, 96).build();
        String json = c.toJson();
        PretrainConfig back = PretrainConfig.fromJson(json);
        assertEquals(c, back);
        assertEquals(json, back.toJson());
        assertEquals(List.of(8L, 8L, 8L, 16L, 16L), back.arch().get("channels"));
        assertEquals(96, back.inputW());
        assertEquals(-5, back.seed());
        assertNull(PretrainConfig.fromJson(PretrainConfig.builder("resnet50").build().toJson()).arch());
    }

    @Test
    void badJsonNamesTheKey() {
        Map<String, Object> m = new java.util.LinkedHashMap<>(PretrainConfig.builder("resnet50").build().toMap());
        m.put("batch", "big");
        var e = assertThrows(IllegalArgumentException.class, () -> PretrainConfig.fromJson(dev.sparkj.tensor.io.Json.write(m)));
        assertEquals("config key 'batch' must be an integer, got \"big\"", e.getMessage());
        m.put("batch", -3);
        e = assertThrows(IllegalArgumentException.class, () -> PretrainConfig.fromJson(dev.sparkj.tensor.io.Json.write(m)));
        assertEquals("config batch must be a positive integer, got -3", e.getMessage());
        m.put("batch", 8);
        m.put("colour", "blue");
        e = assertThrows(IllegalArgumentException.class, () -> PretrainConfig.fromJson(dev.sparkj.tensor.io.Json.write(m)));
        assertEquals("config has an unknown key 'colour'", e.getMessage());
        m.remove("colour");
        m.remove("seed");
        e = assertThrows(IllegalArgumentException.class, () -> PretrainConfig.fromJson(dev.sparkj.tensor.io.Json.write(m)));
        assertEquals("config key 'seed' is missing", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PretrainConfig.fromJson("{nope"));
        assertTrue(e.getMessage().startsWith("config is not valid JSON"), e.getMessage());
    }

    @Test
    void invalidValuesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> PretrainConfig.builder("resnet50").decoderWidth(100).build());
        assertTrue(e.getMessage().contains("decoder_width") && e.getMessage().contains("100"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PretrainConfig.builder("resnet50").maskRatio(1.0).build());
        assertEquals("config mask_ratio must be a number in (0, 1), got 1.0", e.getMessage());
    }
}
