package dev.sparkj.spark.golden;

import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.Json;
import dev.sparkj.tensor.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One conformance fixture folder (shared/docs/golden-format.md): {@code case.json} (what to build),
 * {@code state.safetensors} (the model state before the step) and {@code io.safetensors} (inputs and
 * expected outputs).
 *
 * @param dir  the folder
 * @param spec the parsed case.json
 */
public record GoldenCase(Path dir, Map<String, Object> spec) {

    /** Reads {@code dir/case.json}. */
    @SuppressWarnings("unchecked")
    public static GoldenCase load(Path dir) throws IOException {
        Path json = dir.resolve("case.json");
        if (!Files.isRegularFile(json)) throw new NoSuchFileException(json + " (not a golden fixture folder?)");
        Object v = Json.parse(Files.readString(json));
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException(json + ": expected a JSON object");
        return new GoldenCase(dir, (Map<String, Object>) m);
    }

    /** The fixture's name (folder name). */
    public String name() { return dir.getFileName().toString(); }

    /** {@code spark} or {@code classify}. */
    public String kind() { return string("kind"); }

    /** The model name ({@code resnet18}, {@code convnext}, ...). */
    public String model() { return string("model"); }

    /** The {@code arch} object. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> arch() {
        if (!(spec.get("arch") instanceof Map<?, ?> m)) throw new IllegalArgumentException(dir + "/case.json: missing object 'arch'");
        return (Map<String, Object>) m;
    }

    /** An integer field. */
    public int integer(String key) {
        if (!(spec.get(key) instanceof Number n)) throw new IllegalArgumentException(dir + "/case.json: missing number '" + key + "'");
        return n.intValue();
    }

    /** An integer field, or {@code def} when absent. */
    public int integer(String key, int def) { return spec.get(key) instanceof Number n ? n.intValue() : def; }

    /** A number field, or {@code def} when absent. */
    public double number(String key, double def) { return spec.get(key) instanceof Number n ? n.doubleValue() : def; }

    /** A string field. */
    public String string(String key) {
        if (!(spec.get(key) instanceof String s)) throw new IllegalArgumentException(dir + "/case.json: missing string '" + key + "'");
        return s;
    }

    /** The {@code input_size} [H, W]. */
    public int[] inputSize() {
        if (!(spec.get("input_size") instanceof List<?> l) || l.size() != 2) throw new IllegalArgumentException(dir + "/case.json: input_size must be [H, W]");
        return new int[]{((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue()};
    }

    /** The model state before the step, by reference key. */
    public Map<String, Tensor> state() throws IOException { return SafeTensors.load(dir.resolve("state.safetensors")); }

    /** Inputs and expected outputs. */
    public Map<String, Tensor> io() throws IOException { return SafeTensors.load(dir.resolve("io.safetensors")); }
}
