package dev.sparkj.spark.ckpt;

import dev.sparkj.nn.DropPath;
import dev.sparkj.nn.Module;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.io.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The states of the random generators a training step draws from, so a resumed run continues their
 * streams: the mask generator (key {@code mask}) and every active {@link DropPath}'s own generator
 * (key: the module's path, e.g. {@code sparse_encoder.sp_cnn.layer3.1.drop_path}). Each state is the
 * four words of {@link Rng#state()}.
 */
public final class RngStates {
    private RngStates() {}

    /** Key of the mask generator. */
    public static final String MASK = "mask";

    /** Captures the mask generator and every DropPath generator of {@code model}. */
    public static Map<String, long[]> capture(Rng mask, Module model) {
        Map<String, long[]> out = new LinkedHashMap<>();
        out.put(MASK, mask.state());
        for (Map.Entry<String, DropPath> e : dropPaths(model).entrySet()) out.put(e.getKey(), e.getValue().generator().state());
        return out;
    }

    /**
     * Restores what {@link #capture} saved; fails naming the generator when one is missing from
     * {@code states} or {@code states} holds one the model does not have (a different drop-path setting).
     */
    public static void restore(Map<String, long[]> states, Rng mask, Module model, String source) {
        Map<String, DropPath> dps = dropPaths(model);
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        if (!states.containsKey(MASK)) missing.add(MASK);
        for (String k : dps.keySet()) if (!states.containsKey(k)) missing.add(k);
        for (String k : states.keySet()) if (!k.equals(MASK) && !dps.containsKey(k)) unexpected.add(k);
        if (!missing.isEmpty() || !unexpected.isEmpty())
            throw new IllegalArgumentException(source + ": random generator states do not match the model (missing "
                    + missing + ", unexpected " + unexpected + "); was it written with another drop-path rate?");
        mask.setState(states.get(MASK));
        for (Map.Entry<String, DropPath> e : dps.entrySet()) e.getValue().generator().setState(states.get(e.getKey()));
    }

    /** The DropPath modules that draw random numbers (p > 0), by path. */
    static Map<String, DropPath> dropPaths(Module model) {
        Map<String, DropPath> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet())
            if (e.getValue() instanceof DropPath dp && dp.generator() != null) out.put(e.getKey(), dp);
        return out;
    }

    /** JSON: {@code {"mask": [w0, w1, w2, w3], ...}}. */
    public static String toJson(Map<String, long[]> states) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : states.entrySet()) {
            List<Long> words = new ArrayList<>();
            for (long w : e.getValue()) words.add(w);
            m.put(e.getKey(), words);
        }
        return Json.write(m);
    }

    /** Parses {@link #toJson}; {@code source} names the file in messages. */
    public static Map<String, long[]> fromJson(String json, String source) {
        Object o;
        try {
            o = Json.parse(json);
        } catch (Json.ParseException e) {
            throw new IllegalArgumentException(source + ": rng metadata is not valid JSON: " + e.getMessage(), e);
        }
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException(source + ": rng metadata must be a JSON object");
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof List<?> l) || l.size() != 4 || !l.stream().allMatch(x -> x instanceof Long))
                throw new IllegalArgumentException(source + ": rng state '" + e.getKey() + "' must be 4 integers, got " + Json.write(e.getValue()));
            long[] s = new long[4];
            for (int i = 0; i < 4; i++) s[i] = (Long) l.get(i);
            out.put((String) e.getKey(), s);
        }
        return out;
    }
}
