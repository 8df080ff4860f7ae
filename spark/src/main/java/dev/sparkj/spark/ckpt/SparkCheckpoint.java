package dev.sparkj.spark.ckpt;

import dev.sparkj.nn.optim.OptimizerState;
import dev.sparkj.spark.train.PretrainConfig;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.AtomicFiles;
import dev.sparkj.tensor.io.Json;
import dev.sparkj.tensor.io.SafeTensors;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A spark-style pre-training checkpoint: everything needed to resume a run bit for bit or to draw
 * reconstructions, in one safetensors file.
 *
 * <p>Tensors: {@code model.<key>} (the whole SparK state: encoder, densify norms and projections, mask
 * tokens, decoder, BatchNorm statistics) and {@code optim.<key>} (the optimizer's state tensors, keyed as
 * {@link OptimizerState}: {@code optim.state.<i>.exp_avg}, ...). String metadata: {@code format}
 * ({@value #FORMAT}), {@code format_version} ({@value #VERSION}), {@code epoch} / {@code batch} /
 * {@code iters_per_epoch} / {@code global_iteration} (the {@link TrainPosition}), {@code config} (the
 * {@link PretrainConfig} JSON), {@code optimizer} (JSON of the optimizer's scalar state: lr, weight decay,
 * step per group), {@code rng} (JSON of the generator states, {@link RngStates}) and {@code last_loss}.
 *
 * <p>Files are replaced atomically: a crash or a failed write leaves the previous checkpoint intact.
 */
public record SparkCheckpoint(Map<String, Tensor> model, OptimizerState optimizer, TrainPosition position,
                              PretrainConfig config, Map<String, long[]> rngs, double lastLoss) {
    /** The {@code format} metadata value. */
    public static final String FORMAT = "sparkj-spark-pretrain";
    /** The current {@code format_version}. */
    public static final String VERSION = "1";
    static final String MODEL = "model.", OPTIM = "optim.";

    /** Atomically writes the checkpoint to {@code file}. */
    public void write(Path file) throws IOException {
        write(file, UnaryOperator.identity());
    }

    /** Writes through {@code filter} (tests wrap the stream to make the write fail midway). */
    void write(Path file, UnaryOperator<OutputStream> filter) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.entrySet()) tensors.put(MODEL + e.getKey(), e.getValue());
        for (Map.Entry<String, Tensor> e : optimizer.tensors().entrySet()) tensors.put(OPTIM + e.getKey(), e.getValue());
        Map<String, String> meta = metadata();
        AtomicFiles.write(file, out -> {
            OutputStream o = filter.apply(out);
            SafeTensors.write(o, tensors, meta);
            o.flush();
        });
    }

    /** The string metadata this checkpoint writes. */
    Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("format_version", VERSION);
        m.put("epoch", Integer.toString(position.epoch()));
        m.put("batch", Integer.toString(position.batch()));
        m.put("iters_per_epoch", Integer.toString(position.itersPerEpoch()));
        m.put("global_iteration", Long.toString(position.globalIteration()));
        m.put("config", config.toJson());
        m.put("optimizer", Json.write(optimizer.scalars()));
        m.put("rng", RngStates.toJson(rngs));
        m.put("last_loss", Double.toString(lastLoss));
        return m;
    }

    /** True when the metadata says this is a spark-style sparkj checkpoint (of any version). */
    public static boolean isSparkCheckpoint(Map<String, String> metadata) {
        return FORMAT.equals(metadata.get("format"));
    }

    /** Reads a checkpoint written by {@link #write}; fails naming the file and the problem. */
    public static SparkCheckpoint read(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        return from(c, file.toString());
    }

    /** Interprets the contents of a safetensors file; {@code name} is used in messages. */
    public static SparkCheckpoint from(SafeTensors.Contents c, String name) {
        Map<String, String> meta = c.metadata();
        if (!isSparkCheckpoint(meta))
            throw new IllegalArgumentException(name + " is not a sparkj pre-training checkpoint (metadata format is "
                    + (meta.containsKey("format") ? "'" + meta.get("format") + "'" : "missing") + ", expected '" + FORMAT + "')");
        if (!VERSION.equals(meta.get("format_version")))
            throw new IllegalArgumentException(name + ": checkpoint format_version " + meta.get("format_version")
                    + " is not supported (this build reads version " + VERSION + ")");
        Map<String, Tensor> model = new LinkedHashMap<>(), optim = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
            String k = e.getKey();
            if (k.startsWith(MODEL)) model.put(k.substring(MODEL.length()), e.getValue());
            else if (k.startsWith(OPTIM)) optim.put(k.substring(OPTIM.length()), e.getValue());
            else throw new IllegalArgumentException(name + ": tensor '" + k + "' has neither the 'model.' nor the 'optim.' prefix");
        }
        TrainPosition pos;
        try {
            pos = new TrainPosition(intMeta(meta, "epoch", name), intMeta(meta, "batch", name), intMeta(meta, "iters_per_epoch", name));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        PretrainConfig config;
        try {
            config = PretrainConfig.fromJson(need(meta, "config", name));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        Map<String, Double> scalars = new LinkedHashMap<>();
        Object o;
        try {
            o = Json.parse(need(meta, "optimizer", name));
        } catch (Json.ParseException e) {
            throw new IllegalArgumentException(name + ": optimizer metadata is not valid JSON: " + e.getMessage(), e);
        }
        if (!(o instanceof Map<?, ?> om)) throw new IllegalArgumentException(name + ": optimizer metadata must be a JSON object");
        for (Map.Entry<?, ?> e : om.entrySet()) {
            if (!(e.getValue() instanceof Number n))
                throw new IllegalArgumentException(name + ": optimizer scalar '" + e.getKey() + "' must be a number, got " + Json.write(e.getValue()));
            scalars.put((String) e.getKey(), n.doubleValue());
        }
        Map<String, long[]> rngs = RngStates.fromJson(need(meta, "rng", name), name);
        double lastLoss;
        try {
            lastLoss = Double.parseDouble(meta.getOrDefault("last_loss", "NaN"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": last_loss must be a number, got '" + meta.get("last_loss") + "'");
        }
        return new SparkCheckpoint(model, new OptimizerState(optim, scalars), pos, config, rngs, lastLoss);
    }

    private static String need(Map<String, String> meta, String key, String name) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException(name + ": checkpoint metadata '" + key + "' is missing");
        return v;
    }

    private static int intMeta(Map<String, String> meta, String key, String name) {
        String v = need(meta, key, name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": checkpoint metadata '" + key + "' must be an integer, got '" + v + "'");
        }
    }
}
