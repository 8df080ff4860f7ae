package dev.sparkj.spark.ckpt;

import dev.sparkj.nn.Module;
import dev.sparkj.nn.StateDictReport;
import dev.sparkj.nn.models.Models;
import dev.sparkj.spark.data.Normalization;
import dev.sparkj.spark.model.SparK;
import dev.sparkj.spark.train.PretrainConfig;
import dev.sparkj.spark.train.SparkModels;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.SafeTensors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads weights from any checkpoint sparkj understands: its own spark-style safetensors
 * ({@link SparkCheckpoint}), the reference's spark-style {@code .pth} ({@link ReleasedCheckpoint}), and
 * timm-style encoder weights ({@code .safetensors} or {@code .pth}, e.g. {@link EncoderExport}'s).
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** A SparK model rebuilt from a checkpoint for inference (eval mode), with the normalisation its inputs need. */
    public record Loaded(SparK model, Normalization norm, String description) {}

    /** True when the file starts like a zip archive (a {@code torch.save} checkpoint). */
    public static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
        }
    }

    /**
     * Rebuilds the whole SparK model of a spark-style checkpoint (sparkj's or the reference's) and loads it
     * strictly (the reference's unused buffers and config entry aside). {@code inputSize} &gt; 0 overrides the
     * input size the checkpoint was trained at (the weights do not depend on it).
     */
    public static Loaded loadSpark(Path file, int inputSize) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("checkpoint not found: " + file);
        if (isZip(file)) {
            ReleasedCheckpoint r = ReleasedCheckpoint.read(file);
            if (!r.isSparkState())
                throw new IllegalArgumentException(file + " holds no SparK model (no 'sparse_encoder.sp_cnn.*' keys): "
                        + "an encoder-only checkpoint cannot draw reconstructions");
            if (r.arch() == null)
                throw new IllegalArgumentException(file + " has no 'arch' entry naming the encoder (e.g. 'resnet50'), so the model cannot be rebuilt");
            int size = inputSize > 0 ? inputSize : r.inputSize() > 0 ? r.inputSize() : 224;
            Rng rng = new Rng(0);
            Module cnn = Models.create(r.arch(), 0, 0.0, rng);
            String fam = r.arch().startsWith("convnext") ? "ln" : "bn";
            SparK m = new SparK(cnn, size, size, r.maskRatio(0.6), r.decoderWidth(768), r.densifyNorm(fam), rng);
            loadStrict(m, r.state(), file);
            m.eval();
            return new Loaded(m, Normalization.IMAGENET, "reference checkpoint " + file.getFileName() + " (" + r.arch()
                    + (r.epoch() >= 0 ? ", epoch " + (r.epoch() + 1) : "") + ")");
        }
        SafeTensors.Contents c = SafeTensors.read(file);
        if (!SparkCheckpoint.isSparkCheckpoint(c.metadata()))
            throw new IllegalArgumentException(file + " is not a spark-style checkpoint (no sparkj metadata); use a ckpt-*.safetensors "
                    + "written by 'sparkj pretrain' or a reference *_spark_style.pth");
        SparkCheckpoint ck = SparkCheckpoint.from(c, file.toString());
        PretrainConfig cfg = ck.config();
        if (inputSize > 0) cfg = cfg.toBuilder().inputSize(inputSize).build();
        SparK m = SparkModels.build(cfg.toBuilder().dropPath(0).build(), new Rng(cfg.seed()));
        loadStrict(m, ck.model(), file);
        m.eval();
        return new Loaded(m, cfg.normalization(), "checkpoint " + file.getFileName() + " (" + cfg.model() + ", "
                + ck.position().epochsDone() + " epochs, iteration " + ck.position().globalIteration() + ")");
    }

    private static void loadStrict(SparK m, Map<String, Tensor> state, Path file) {
        try {
            m.loadStateDict(state, true);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " does not match the model it describes: " + e.getMessage(), e);
        }
    }

    /**
     * Loads weights only ({@code --init-weights}) into {@code model}: a whole SparK state (sparkj checkpoint,
     * reference {@code .pth}, or a plain SparK state dict) or encoder weights alone (timm-style keys, loaded into
     * {@code model.encoder()}). Like the reference's {@code strict=False}: missing and unexpected keys are reported,
     * shape conflicts fail, and a file of which no key matches fails. Returns a one-line summary.
     */
    public static String initWeights(SparK model, Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("--init-weights file not found: " + file);
        Map<String, Tensor> state;
        if (isZip(file)) {
            state = ReleasedCheckpoint.read(file).state();
        } else {
            SafeTensors.Contents c = SafeTensors.read(file);
            state = SparkCheckpoint.isSparkCheckpoint(c.metadata()) ? SparkCheckpoint.from(c, file.toString()).model()
                    : StateDictReport.stripModulePrefix(c.tensors());
            state = new LinkedHashMap<>(state);
            state.keySet().removeAll(SparK.UNUSED_REFERENCE_KEYS);
        }
        boolean spark = false;
        for (String k : state.keySet()) if (k.startsWith(EncoderExport.PREFIX)) { spark = true; break; }
        Module target = spark ? model : model.encoder();
        if (!spark) state = dropHead(state);
        StateDictReport r = target.loadStateDict(state, false);
        if (!r.mismatched().isEmpty())
            throw new IllegalArgumentException(file + ": shapes do not match the model:\n" + r.summary());
        int loaded = state.size() - r.unexpected().size();
        if (loaded == 0)
            throw new IllegalArgumentException(file + ": none of its " + state.size() + " keys matches the "
                    + (spark ? "SparK model" : "encoder") + " (first keys: " + first(state.keySet(), 5) + ")");
        return "loaded " + loaded + " tensors from " + file + " into the " + (spark ? "SparK model" : "encoder")
                + " (" + r.missing().size() + " missing, " + r.unexpected().size() + " unexpected)";
    }

    /** Encoder weights exported by a classifier carry a head ({@code fc.*}, {@code head.*}) the pre-training encoder lacks. */
    private static Map<String, Tensor> dropHead(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet())
            if (!e.getKey().startsWith("fc.") && !e.getKey().startsWith("head.")) out.put(e.getKey(), e.getValue());
        return out;
    }

    private static List<String> first(Iterable<String> keys, int n) {
        List<String> out = new ArrayList<>();
        for (String k : keys) { if (out.size() == n) break; out.add(k); }
        return out;
    }
}
