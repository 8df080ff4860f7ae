package dev.sparkj.spark.train;

import dev.sparkj.nn.optim.LrWdSchedule;
import dev.sparkj.spark.data.Normalization;
import dev.sparkj.tensor.io.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every knob of a SparK pre-training run, with the reference's defaults (spark-semantics.md §7,
 * {@code utils/arg_util.py}); stored as JSON in each checkpoint so a run can be resumed or inspected.
 *
 * <p>Model: a preset name ({@code resnet50}, {@code convnext_small}, ...) or, with {@code arch}, any
 * architecture {@link dev.sparkj.nn.models.Models#fromArch} builds ({@code model} is then just its label).
 * Family-dependent defaults: densify norm {@code bn} and LAMB β2 0.95 for ResNet, {@code ln} and 0.999
 * for ConvNeXt; drop path as the reference's per-model table (0.05 for resnet50, 0.2 for convnext_small).
 *
 * @param model         preset name, or a label for a custom {@code arch}
 * @param arch          architecture map for {@code Models.fromArch} (numbers as Long after normalisation), or null
 * @param inputH        input height (a multiple of the encoder's downsample ratio, 32)
 * @param inputW        input width
 * @param batch         global batch size
 * @param epochs        epochs of the whole run (the schedule spans them all)
 * @param warmupEpochs  linear lr warm-up length in epochs (40 in the reference)
 * @param baseLr        base lr; the peak is {@code baseLr × batch / 256}
 * @param wd            weight decay at the first iteration (0.04)
 * @param wde           weight decay at the last iteration (0.2)
 * @param maskRatio     fraction of patches hidden (0.6)
 * @param decoderWidth  width d of the light decoder (768; a multiple of 32)
 * @param densifyNorm   bn, ln or identity
 * @param dropPath      stochastic depth of the encoder's last block
 * @param beta2         LAMB's second beta
 * @param clip          LAMB's global gradient-norm clip (5.0)
 * @param seed          seed of initialisation, masks, drop path and data order
 * @param workers       data-loading threads (0 = on the training thread)
 * @param data          "quickstart" (the bundled Fashion-MNIST sample), an image folder or an IDX file
 * @param normMean      per-channel mean used to normalise the inputs (and to display them)
 * @param normStd       per-channel std
 * @param out           output folder (checkpoints, log, pictures)
 * @param maxIters      stop after this global iteration (0 = run all epochs); the schedule still spans all epochs
 * @param saveEvery     also keep {@code ckpt-epochN.safetensors} every N epochs (0 = only {@code ckpt-last})
 * @param visCount      images in the per-epoch reconstruction picture
 */
public record PretrainConfig(String model, Map<String, Object> arch, int inputH, int inputW, int batch, int epochs,
                             double warmupEpochs, double baseLr, double wd, double wde, double maskRatio,
                             int decoderWidth, String densifyNorm, double dropPath, double beta2, double clip,
                             long seed, int workers, String data, List<Double> normMean, List<Double> normStd,
                             String out, long maxIters, int saveEvery, int visCount) {

    /** The data source name of the bundled Fashion-MNIST sample. */
    public static final String QUICKSTART_DATA = "quickstart";

    public PretrainConfig {
        require(model != null && !model.isBlank(), "model", model, "a model name");
        if (arch != null) arch = normalise(arch);
        require(inputH > 0, "input_h", inputH, "a positive integer");
        require(inputW > 0, "input_w", inputW, "a positive integer");
        require(batch > 0, "batch", batch, "a positive integer");
        require(epochs > 0, "epochs", epochs, "a positive integer");
        require(warmupEpochs >= 0 && Double.isFinite(warmupEpochs), "warmup_epochs", warmupEpochs, "a number >= 0");
        require(baseLr > 0 && Double.isFinite(baseLr), "base_lr", baseLr, "a positive number");
        require(wd >= 0 && Double.isFinite(wd), "wd", wd, "a number >= 0");
        require(wde >= 0 && Double.isFinite(wde), "wde", wde, "a number >= 0");
        require(maskRatio > 0 && maskRatio < 1, "mask_ratio", maskRatio, "a number in (0, 1)");
        require(decoderWidth >= 32 && decoderWidth % 32 == 0, "decoder_width", decoderWidth,
                "a positive multiple of 32 (the decoder halves it 5 times)");
        require(List.of("bn", "ln", "identity").contains(densifyNorm), "densify_norm", densifyNorm, "bn, ln or identity");
        require(dropPath >= 0 && dropPath < 1, "drop_path", dropPath, "a number in [0, 1)");
        require(beta2 > 0 && beta2 < 1, "beta2", beta2, "a number in (0, 1)");
        require(clip > 0 && Double.isFinite(clip), "clip", clip, "a positive number");
        require(workers >= 0, "workers", workers, "an integer >= 0");
        require(data != null && !data.isBlank(), "data", data, "an image folder, an IDX file or \"quickstart\"");
        require(normMean != null && normMean.size() == 3, "norm_mean", normMean, "3 numbers");
        require(normStd != null && normStd.size() == 3 && normStd.stream().allMatch(s -> s > 0), "norm_std", normStd, "3 positive numbers");
        normMean = List.copyOf(normMean);
        normStd = List.copyOf(normStd);
        require(out != null && !out.isBlank(), "out", out, "an output folder");
        require(maxIters >= 0, "max_iters", maxIters, "an integer >= 0");
        require(saveEvery >= 0, "save_every", saveEvery, "an integer >= 0");
        require(visCount >= 1, "vis_count", visCount, "a positive integer");
    }

    private static void require(boolean ok, String key, Object value, String what) {
        if (!ok) throw new IllegalArgumentException("config " + key + " must be " + what + ", got " + value);
    }

    // ------------------------------------------------------------------ derived

    /** "resnet" or "convnext": from {@code arch.family}, else from the model name. */
    public String family() { return family(model, arch); }

    static String family(String model, Map<String, Object> arch) {
        if (arch != null) return String.valueOf(arch.get("family"));
        if (model.startsWith("resnet")) return "resnet";
        if (model.contains("convnext") || model.contains("cnx")) return "convnext";
        return "custom";
    }

    /** The peak learning rate {@code baseLr × batch / 256}. */
    public double peakLr() { return LrWdSchedule.peakLr(baseLr, batch); }

    /** The input normalisation. */
    public Normalization normalization() {
        return new Normalization(new double[]{normMean.get(0), normMean.get(1), normMean.get(2)},
                new double[]{normStd.get(0), normStd.get(1), normStd.get(2)});
    }

    // ------------------------------------------------------------------ defaults

    /** The reference's pre-training drop path of a preset (models/__init__.py), 0 for others. */
    public static double defaultDropPath(String model) {
        return switch (model) {
            case "resnet50" -> 0.05;
            case "resnet101" -> 0.08;
            case "resnet152" -> 0.10;
            case "resnet200" -> 0.15;
            case "convnext_small" -> 0.2;
            case "convnext_base" -> 0.3;
            case "convnext_large" -> 0.4;
            default -> 0.0;
        };
    }

    /** A builder with the reference's defaults for {@code model}. */
    public static Builder builder(String model) { return new Builder(model); }

    /** A builder holding this configuration (family defaults already resolved). */
    public Builder toBuilder() {
        Builder b = new Builder(model);
        b.arch = arch; b.inputH = inputH; b.inputW = inputW; b.batch = batch; b.epochs = epochs;
        b.warmupEpochs = warmupEpochs; b.baseLr = baseLr; b.wd = wd; b.wde = wde; b.maskRatio = maskRatio;
        b.decoderWidth = decoderWidth; b.densifyNorm = densifyNorm; b.dropPath = dropPath; b.beta2 = beta2;
        b.clip = clip; b.seed = seed; b.workers = workers; b.data = data; b.normMean = normMean; b.normStd = normStd;
        b.out = out; b.maxIters = maxIters; b.saveEvery = saveEvery; b.visCount = visCount;
        return b;
    }

    /** Builds a {@link PretrainConfig}; unset family-dependent knobs take the family's defaults at {@link #build()}. */
    public static final class Builder {
        private String model;
        private Map<String, Object> arch;
        private int inputH = 224, inputW = 224, batch = 4096, epochs = 1600;
        private double warmupEpochs = 40, baseLr = 2e-4, wd = 0.04, wde = 0.2, maskRatio = 0.6, clip = 5.0;
        private int decoderWidth = 768;
        private String densifyNorm;
        private Double dropPath, beta2;
        private long seed = 0;
        private int workers = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
        private String data = QUICKSTART_DATA;
        private List<Double> normMean = List.of(0.485, 0.456, 0.406), normStd = List.of(0.229, 0.224, 0.225);
        private String out = "runs/pretrain";
        private long maxIters;
        private int saveEvery;
        private int visCount = 8;

        private Builder(String model) { this.model = model; }

        public Builder model(String m) { model = m; return this; }
        /** A custom architecture ({@code Models.fromArch}); {@code model} becomes its label. */
        public Builder arch(Map<String, ?> a) { arch = a == null ? null : new LinkedHashMap<>(a); return this; }
        public Builder inputSize(int s) { inputH = s; inputW = s; return this; }
        public Builder inputSize(int h, int w) { inputH = h; inputW = w; return this; }
        public Builder batch(int b) { batch = b; return this; }
        public Builder epochs(int e) { epochs = e; return this; }
        public Builder warmupEpochs(double e) { warmupEpochs = e; return this; }
        public Builder baseLr(double v) { baseLr = v; return this; }
        public Builder wd(double v) { wd = v; return this; }
        public Builder wde(double v) { wde = v; return this; }
        public Builder maskRatio(double v) { maskRatio = v; return this; }
        public Builder decoderWidth(int v) { decoderWidth = v; return this; }
        public Builder densifyNorm(String v) { densifyNorm = v; return this; }
        public Builder dropPath(double v) { dropPath = v; return this; }
        public Builder beta2(double v) { beta2 = v; return this; }
        public Builder clip(double v) { clip = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder workers(int v) { workers = v; return this; }
        public Builder data(String v) { data = v; return this; }
        public Builder normalization(Normalization n) {
            normMean = List.of(n.mean(0), n.mean(1), n.mean(2));
            normStd = List.of(n.std(0), n.std(1), n.std(2));
            return this;
        }
        public Builder out(String v) { out = v; return this; }
        public Builder maxIters(long v) { maxIters = v; return this; }
        public Builder saveEvery(int v) { saveEvery = v; return this; }
        public Builder visCount(int v) { visCount = v; return this; }

        public PretrainConfig build() {
            String fam = family(model, arch);
            String dn = densifyNorm != null ? densifyNorm : fam.equals("convnext") ? "ln" : "bn";
            double b2 = beta2 != null ? beta2 : fam.equals("convnext") ? 0.999 : 0.95;
            double dp = dropPath != null ? dropPath : arch == null ? defaultDropPath(model) : 0.0;
            return new PretrainConfig(model, arch, inputH, inputW, batch, epochs, warmupEpochs, baseLr, wd, wde, maskRatio,
                    decoderWidth, dn, dp, b2, clip, seed, workers, data, normMean, normStd, out, maxIters, saveEvery, visCount);
        }
    }

    // ------------------------------------------------------------------ JSON

    /** The configuration as a JSON object (snake_case keys, as the reference's argument names where they exist). */
    public String toJson() { return Json.write(toMap()); }

    /** The configuration as an ordered map of JSON values. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("arch", arch);
        m.put("input_h", inputH);
        m.put("input_w", inputW);
        m.put("batch", batch);
        m.put("epochs", epochs);
        m.put("warmup_epochs", warmupEpochs);
        m.put("base_lr", baseLr);
        m.put("wd", wd);
        m.put("wde", wde);
        m.put("mask_ratio", maskRatio);
        m.put("decoder_width", decoderWidth);
        m.put("densify_norm", densifyNorm);
        m.put("drop_path", dropPath);
        m.put("beta2", beta2);
        m.put("clip", clip);
        m.put("seed", seed);
        m.put("workers", workers);
        m.put("data", data);
        m.put("norm_mean", normMean);
        m.put("norm_std", normStd);
        m.put("out", out);
        m.put("max_iters", maxIters);
        m.put("save_every", saveEvery);
        m.put("vis_count", visCount);
        return m;
    }

    /**
     * Parses {@link #toJson()}'s output. Every key is required except those added later ({@code max_iters},
     * {@code save_every}, {@code vis_count}); unknown keys and wrong types fail naming the key and value.
     */
    public static PretrainConfig fromJson(String json) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (Json.ParseException e) {
            throw new IllegalArgumentException("config is not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> raw)) throw new IllegalArgumentException("config must be a JSON object, got " + json);
        Reader r = new Reader(raw);
        PretrainConfig c = new PretrainConfig(r.str("model"), r.archOrNull(), r.integer("input_h"), r.integer("input_w"),
                r.integer("batch"), r.integer("epochs"), r.num("warmup_epochs"), r.num("base_lr"), r.num("wd"), r.num("wde"),
                r.num("mask_ratio"), r.integer("decoder_width"), r.str("densify_norm"), r.num("drop_path"), r.num("beta2"),
                r.num("clip"), r.lng("seed", null), r.integer("workers"), r.str("data"), r.nums("norm_mean"), r.nums("norm_std"),
                r.str("out"), r.lng("max_iters", 0L), (int) r.lng("save_every", 0L), (int) r.lng("vis_count", 8L));
        r.checkNoUnknown();
        return c;
    }

    /** Typed access to the parsed JSON map with messages naming the key. */
    private static final class Reader {
        private final Map<?, ?> m;
        private final java.util.Set<Object> used = new java.util.HashSet<>();

        Reader(Map<?, ?> m) { this.m = m; }

        private Object get(String key) {
            used.add(key);
            if (!m.containsKey(key)) throw new IllegalArgumentException("config key '" + key + "' is missing");
            return m.get(key);
        }

        String str(String key) {
            if (!(get(key) instanceof String s)) throw bad(key, "a string");
            return s;
        }

        double num(String key) {
            if (!(get(key) instanceof Number n)) throw bad(key, "a number");
            return n.doubleValue();
        }

        long lng(String key, Long dflt) {
            if (dflt != null && !m.containsKey(key)) { used.add(key); return dflt; }
            Object v = get(key);
            if (!(v instanceof Long l)) throw bad(key, "an integer");
            return l;
        }

        int integer(String key) {
            long v = lng(key, null);
            if (v != (int) v) throw bad(key, "a 32-bit integer");
            return (int) v;
        }

        List<Double> nums(String key) {
            if (!(get(key) instanceof List<?> l)) throw bad(key, "a list of numbers");
            List<Double> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof Number n)) throw bad(key, "a list of numbers");
                out.add(n.doubleValue());
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> archOrNull() {
            Object v = get("arch");
            if (v == null) return null;
            if (!(v instanceof Map<?, ?> a)) throw bad("arch", "an object or null");
            return (Map<String, Object>) a;
        }

        private IllegalArgumentException bad(String key, String what) {
            return new IllegalArgumentException("config key '" + key + "' must be " + what + ", got " + Json.write(m.get(key)));
        }

        void checkNoUnknown() {
            for (Object k : m.keySet())
                if (!used.contains(k)) throw new IllegalArgumentException("config has an unknown key '" + k + "'");
        }
    }

    /** A deep copy with JSON's number types (integers → Long, others → Double), so equality survives a round trip. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> normalise(Map<String, Object> arch) {
        Object o;
        try {
            o = Json.parse(Json.write(arch));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config arch is not JSON-representable: " + e.getMessage(), e);
        }
        return java.util.Collections.unmodifiableMap((Map<String, Object>) o);
    }
}
