package dev.sparkj.spark.ckpt;

import dev.sparkj.nn.optim.OptimizerState;
import dev.sparkj.spark.train.PretrainConfig;
import dev.sparkj.spark.train.TinyRuns;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkCheckpointTest {
    static SparkCheckpoint sample(Path out) {
        Rng rng = new Rng(3);
        Map<String, Tensor> model = new LinkedHashMap<>();
        model.put("sparse_encoder.sp_cnn.conv1.weight", rng.normal(0, 1, 4, 3, 7, 7));
        model.put("sparse_encoder.sp_cnn.bn1.num_batches_tracked", Tensor.ofLongs(new long[]{42}));
        model.put("mask_tokens.0", rng.normal(0, 0.02, 1, 4, 1, 1));
        model.put("dense_decoder.proj.bias", Tensor.of(new double[]{0.25, -1.5, 3}, 3));
        Map<String, Tensor> optT = Map.of("state.0.exp_avg", rng.normal(0, 1, 4, 3, 7, 7), "state.0.exp_avg_sq", rng.uniform(0, 1, 4, 3, 7, 7));
        Map<String, Double> optS = new LinkedHashMap<>();
        optS.put("param_groups.0.lr", 1.234e-4);
        optS.put("param_groups.0.weight_decay", 0.0415);
        optS.put("param_groups.0.step", 17.0);
        Map<String, long[]> rngs = new LinkedHashMap<>();
        rngs.put(RngStates.MASK, new Rng(1).state());
        rngs.put("sparse_encoder.sp_cnn.layer2.0.drop_path", new long[]{Long.MIN_VALUE, -1, 0, Long.MAX_VALUE});
        PretrainConfig cfg = TinyRuns.config(out).build();
        return new SparkCheckpoint(model, new OptimizerState(optT, optS), new TrainPosition(3, 2, 5), cfg, rngs, 0.8125);
    }

    @Test
    void roundTripKeepsAllTensorsAndMetadata(@TempDir Path tmp) throws IOException {
        SparkCheckpoint c = sample(tmp);
        Path f = tmp.resolve("ckpt.safetensors");
        c.write(f);
        SparkCheckpoint back = SparkCheckpoint.read(f);
        assertEquals(c.model().keySet(), back.model().keySet());
        for (String k : c.model().keySet()) {
            assertEquals(c.model().get(k).dtype(), back.model().get(k).dtype(), k);
            assertArrayEquals(c.model().get(k).shape(), back.model().get(k).shape(), k);
            assertArrayEquals(c.model().get(k).toDoubleArray(), back.model().get(k).toDoubleArray(), 0.0, k);
        }
        assertEquals(DType.I64, back.model().get("sparse_encoder.sp_cnn.bn1.num_batches_tracked").dtype());
        for (String k : c.optimizer().tensors().keySet())
            assertArrayEquals(c.optimizer().tensors().get(k).toDoubleArray(), back.optimizer().tensors().get(k).toDoubleArray(), 0.0, k);
        assertEquals(c.optimizer().scalars(), back.optimizer().scalars());
        assertEquals(new TrainPosition(3, 2, 5), back.position());
        assertEquals(17, back.position().globalIteration());
        assertEquals(c.config(), back.config());
        assertEquals(c.rngs().keySet(), back.rngs().keySet());
        for (String k : c.rngs().keySet()) assertArrayEquals(c.rngs().get(k), back.rngs().get(k), k);
        assertEquals(0.8125, back.lastLoss());

        Map<String, String> meta = SafeTensors.read(f).metadata();
        assertEquals(SparkCheckpoint.FORMAT, meta.get("format"));
        assertEquals("1", meta.get("format_version"));
        assertEquals("17", meta.get("global_iteration"));
        assertTrue(SafeTensors.read(f).tensors().containsKey("model.mask_tokens.0"));
        assertTrue(SafeTensors.read(f).tensors().containsKey("optim.state.0.exp_avg"));
    }

    /** A write that fails midway (e.g. a full disk) leaves the previous checkpoint byte for byte, and no temporary file. */
    @Test
    void failedWriteLeavesTheOldCheckpoint(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("ckpt-last.safetensors");
        SparkCheckpoint old = sample(tmp);
        old.write(f);
        byte[] before = Files.readAllBytes(f);
        SparkCheckpoint next = new SparkCheckpoint(old.model(), old.optimizer(), new TrainPosition(4, 0, 5), old.config(), old.rngs(), 0.5);
        IOException e = assertThrows(IOException.class, () -> next.write(f, out -> new FilterOutputStream(out) {
            long n;
            @Override public void write(int b) throws IOException { if (++n > 1000) throw new IOException("disk full"); out.write(b); }
            @Override public void write(byte[] b, int off, int len) throws IOException { for (int i = 0; i < len; i++) write(b[off + i]); }
        }));
        assertEquals("disk full", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(3, SparkCheckpoint.read(f).position().epoch());
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
    }

    @Test
    void otherFilesAreRejectedClearly(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("plain.safetensors");
        SafeTensors.write(f, Map.of("conv1.weight", Tensor.zeros(2, 2)));
        var e = assertThrows(IllegalArgumentException.class, () -> SparkCheckpoint.read(f));
        assertEquals(f + " is not a sparkj pre-training checkpoint (metadata format is missing, expected '" + SparkCheckpoint.FORMAT + "')", e.getMessage());

        Map<String, String> meta = new LinkedHashMap<>(sample(tmp).metadata());
        meta.put("format_version", "9");
        Path g = tmp.resolve("future.safetensors");
        SafeTensors.write(g, Map.of("model.x", Tensor.zeros(1)), meta);
        e = assertThrows(IllegalArgumentException.class, () -> SparkCheckpoint.read(g));
        assertEquals(g + ": checkpoint format_version 9 is not supported (this build reads version 1)", e.getMessage());
    }
}
