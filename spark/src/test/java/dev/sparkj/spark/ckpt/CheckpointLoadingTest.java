package dev.sparkj.spark.ckpt;

import dev.sparkj.nn.models.Models;
import dev.sparkj.spark.model.SparK;
import dev.sparkj.spark.train.SparkModels;
import dev.sparkj.spark.train.TinyRuns;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.PthReader;
import dev.sparkj.tensor.io.PthWriter;
import dev.sparkj.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointLoadingTest {
    private static SparK tiny(long seed) {
        return SparkModels.build(TinyRuns.config(Path.of("unused")).seed(seed).build(), new Rng(seed));
    }

    private static void assertSameState(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) assertArrayEquals(want.get(k).toDoubleArray(), got.get(k).toDoubleArray(), 0.0, k);
    }

    /** The reference's wrapper: {@code module} with {@code module.}-prefixed keys, a {@code config} dict, unused buffers, plus arch/epoch/optimizer. */
    static Map<String, Object> referenceWrapper(Map<String, Tensor> state, String arch, int inputSize, int width, String norm) {
        Map<String, Object> module = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) module.put("module." + e.getKey(), e.getValue());
        module.put("module.imn_m", Tensor.of(new float[]{0.485f, 0.456f, 0.406f}, 1, 3, 1, 1));
        module.put("module.imn_s", Tensor.of(new float[]{0.229f, 0.224f, 0.225f}, 1, 3, 1, 1));
        module.put("module.norm_black", Tensor.zeros(1, 3, inputSize, inputSize));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("mask_ratio", 0.6);
        config.put("densify_norm_str", norm);
        config.put("sbn", false);
        config.put("hierarchy", 4L);
        config.put("sparse_encoder.input_size", (long) inputSize);
        config.put("dense_decoder.width", (long) width);
        module.put("config", config);
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("args", "{'model': '" + arch + "'}");
        top.put("input_size", (long) inputSize);
        top.put("arch", arch);
        top.put("epoch", 4L);
        top.put("performance_desc", "0.4 0.4");
        top.put("module", module);
        top.put("optimizer", Map.of("state", Map.of(), "param_groups", List.of()));
        top.put("is_pretrain", true);
        return top;
    }

    @Test
    void parsesTheReleasedWrapperFixture() throws IOException {
        Path pth = TinyRuns.fixtures("pth").resolve("wrapped.pth");
        ReleasedCheckpoint r = ReleasedCheckpoint.read(pth);
        assertEquals("resnet50", r.arch());
        assertEquals(224, r.inputSize());
        assertEquals(3, r.epoch());
        assertEquals(0.6, r.maskRatio(0));
        assertEquals("bn", r.densifyNorm("ln"));
        assertEquals(768, r.decoderWidth(0));
        assertEquals(List.of("conv1.weight", "sparse_encoder.sp_cnn.conv1.weight", "sparse_encoder.sp_cnn.bn1.weight",
                "sparse_encoder.sp_cnn.bn1.bias", "sparse_encoder.sp_cnn.bn1.running_mean", "sparse_encoder.sp_cnn.bn1.running_var",
                "sparse_encoder.sp_cnn.bn1.num_batches_tracked", "mask_tokens.0", "dense_decoder.proj.weight", "dense_decoder.proj.bias"),
                List.copyOf(r.state().keySet()));
        assertEquals(List.of("module.imn_m", "module.imn_s", "module.norm_black"), r.ignored());
        assertTrue(r.isSparkState());
        Map<String, Tensor> ref = SafeTensors.load(TinyRuns.fixtures("pth").resolve("wrapped.safetensors"));
        for (Map.Entry<String, Tensor> e : r.state().entrySet())
            assertArrayEquals(ref.get("module." + e.getKey()).toDoubleArray(), e.getValue().toDoubleArray(), 0.0, e.getKey());
        assertEquals(42, r.state().get("sparse_encoder.sp_cnn.bn1.num_batches_tracked").item());
    }

    /** A reference-style .pth of a real (tiny) SparK state loads back into a fresh model through --init-weights, exactly. */
    @Test
    void initWeightsFromAReferenceStylePth(@TempDir Path tmp) throws IOException {
        SparK src = tiny(1);
        Path f = tmp.resolve("ref_spark_style.pth");
        PthWriter.writeObject(f, referenceWrapper(src.stateDict(), "custom", 64, 32, "bn"));
        SparK dst = tiny(2);
        String msg = Checkpoints.initWeights(dst, f);
        assertEquals("loaded " + src.stateDict().size() + " tensors from " + f + " into the SparK model (0 missing, 0 unexpected)", msg);
        assertSameState(src.stateDict(), dst.stateDict());
    }

    /** The reference's spark-style .pth rebuilds its model from arch + config and loads strictly (resnet18 at 64 px). */
    @Test
    void reconstructLoaderRebuildsAReferenceCheckpoint(@TempDir Path tmp) throws IOException {
        Rng rng = new Rng(5);
        SparK src = new SparK(Models.create("resnet18", 0, 0, rng), 64, 64, 0.6, 64, "bn", rng);
        Path f = tmp.resolve("resnet18_withdecoder_1kpretrained_spark_style.pth");
        PthWriter.writeObject(f, referenceWrapper(src.stateDict(), "resnet18", 64, 64, "bn"));
        Checkpoints.Loaded l = Checkpoints.loadSpark(f, 0);
        assertEquals(2, l.model().gridH());
        assertEquals(0.6, l.model().maskRatio());
        assertEquals("bn", l.model().densifyNorm());
        assertFalse(l.model().isTraining());
        assertSameState(src.stateDict(), l.model().stateDict());
        assertEquals("reference checkpoint " + f.getFileName() + " (resnet18, epoch 5)", l.description());
    }

    /** encoder.safetensors / encoder.pth hold the plain CNN's keys; they load back into another model's encoder. */
    @Test
    void encoderExportRoundTrip(@TempDir Path tmp) throws IOException {
        SparK src = tiny(1);
        EncoderExport.write(tmp, src, Map.of("model", "tiny-resnet"));
        Map<String, Tensor> st = SafeTensors.load(tmp.resolve(EncoderExport.SAFETENSORS));
        Map<String, Tensor> pth = PthReader.readStateDict(tmp.resolve(EncoderExport.PTH));
        Map<String, Tensor> want = src.encoder().stateDict();
        assertTrue(want.containsKey("conv1.weight") && want.containsKey("layer4.0.bn2.running_var"));
        assertSameState(want, st);
        assertSameState(want, pth);
        assertEquals(List.copyOf(want.keySet()), List.copyOf(pth.keySet()), ".pth keeps the state-dict order");
        assertEquals("sparkj-timm-encoder", SafeTensors.read(tmp.resolve(EncoderExport.SAFETENSORS)).metadata().get("format"));

        SparK dst = tiny(2);
        Map<String, Tensor> decoderBefore = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : dst.stateDict().entrySet())
            if (!e.getKey().startsWith(EncoderExport.PREFIX)) decoderBefore.put(e.getKey(), e.getValue().copy());
        String msg = Checkpoints.initWeights(dst, tmp.resolve(EncoderExport.PTH));
        assertEquals("loaded " + want.size() + " tensors from " + tmp.resolve(EncoderExport.PTH) + " into the encoder (0 missing, 0 unexpected)", msg);
        assertSameState(want, dst.encoder().stateDict());
        for (Map.Entry<String, Tensor> e : decoderBefore.entrySet())
            assertArrayEquals(e.getValue().toDoubleArray(), dst.stateDict().get(e.getKey()).toDoubleArray(), 0.0, "untouched " + e.getKey());
    }

    @Test
    void unrelatedWeightsFailClearly(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("other.safetensors");
        SafeTensors.write(f, Map.of("foo.weight", Tensor.zeros(2), "bar.bias", Tensor.zeros(3)));
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoints.initWeights(tiny(1), f));
        assertTrue(e.getMessage().startsWith(f + ": none of its 2 keys matches the encoder"), e.getMessage());

        Path g = tmp.resolve("wrong-shape.safetensors");
        SafeTensors.write(g, Map.of("conv1.weight", Tensor.zeros(2, 3, 7, 7)));
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoints.initWeights(tiny(1), g));
        assertTrue(e.getMessage().contains("conv1.weight: checkpoint [2, 3, 7, 7] vs model [8, 3, 7, 7]"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Checkpoints.loadSpark(tmp.resolve("missing.pth"), 0));
        assertEquals("checkpoint not found: " + tmp.resolve("missing.pth"), e.getMessage());
    }
}
