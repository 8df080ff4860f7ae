package dev.sparkj.spark.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A small {@code --flag value} parser that names the flag and value in every error. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final String command;

    /**
     * @param known    flags taking a value
     * @param switches flags without a value
     */
    Args(String command, String[] args, Set<String> known, Set<String> switches) {
        this.command = command;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                String key = a, val = null;
                int eq = a.indexOf('=');
                if (eq > 0) { key = a.substring(0, eq); val = a.substring(eq + 1); }
                if (switches.contains(key)) {
                    if (val != null) throw new IllegalArgumentException(key + " takes no value");
                    values.put(key, "true");
                } else if (known.contains(key)) {
                    if (val == null) {
                        if (i + 1 >= args.length) throw new IllegalArgumentException(key + " needs a value");
                        val = args[++i];
                    }
                    values.put(key, val);
                } else {
                    throw new IllegalArgumentException("unknown option " + key + " for '" + command + "'; known: " + String.join(" ", known) + " " + String.join(" ", switches));
                }
            } else positional.add(a);
        }
    }

    List<String> positional() { return positional; }

    boolean has(String key) { return values.containsKey(key); }

    String str(String key, String def) { return values.getOrDefault(key, def); }

    int integer(String key, int def) {
        String v = values.get(key);
        if (v == null) return def;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
    }

    double number(String key, double def) {
        String v = values.get(key);
        if (v == null) return def;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + v + "'");
        }
    }
}
