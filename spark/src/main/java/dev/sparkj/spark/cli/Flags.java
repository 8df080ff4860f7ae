package dev.sparkj.spark.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The flags of one subcommand: {@code --name value}, {@code --name=value}, switches without a value,
 * and flags that take several values ({@code --images a.png b.png}). Unknown flags, missing values and
 * values of the wrong type fail with an {@link IllegalArgumentException} naming the flag and the value.
 */
final class Flags {
    private final String command;
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    /**
     * @param valued   flags that take one value
     * @param switches flags without a value
     * @param multi    flags that take one or more values (up to the next flag)
     */
    Flags(String command, String[] argv, Set<String> valued, Set<String> switches, Set<String> multi) {
        this.command = command;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || a.length() == 2)
                throw new IllegalArgumentException("unexpected argument '" + a + "' (flags start with --; see sparkj " + command + " --help)");
            String name = a, inline = null;
            int eq = a.indexOf('=');
            if (eq > 0) { name = a.substring(0, eq); inline = a.substring(eq + 1); }
            if (values.containsKey(name)) throw new IllegalArgumentException(name + " is given twice");
            List<String> v = new ArrayList<>();
            if (switches.contains(name)) {
                if (inline != null) throw new IllegalArgumentException(name + " takes no value, got '" + inline + "'");
            } else if (valued.contains(name)) {
                if (inline != null) v.add(inline);
                else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) v.add(argv[++i]);
                else throw new IllegalArgumentException(name + " needs a value");
            } else if (multi.contains(name)) {
                if (inline != null) v.add(inline);
                while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) v.add(argv[++i]);
                if (v.isEmpty()) throw new IllegalArgumentException(name + " needs at least one value");
            } else {
                throw new IllegalArgumentException("unknown flag " + name + " (see sparkj " + command + " --help)");
            }
            values.put(name, v);
        }
    }

    /** True when the arguments ask for help ({@code --help} or {@code -h}). */
    static boolean helpWanted(String[] argv) {
        for (String a : argv) if (a.equals("--help") || a.equals("-h")) return true;
        return false;
    }

    boolean has(String flag) { return values.containsKey(flag); }

    /** The flags given, in order. */
    Set<String> given() { return values.keySet(); }

    String str(String flag, String dflt) {
        List<String> v = values.get(flag);
        return v == null ? dflt : v.getFirst();
    }

    String required(String flag) {
        String v = str(flag, null);
        if (v == null) throw new IllegalArgumentException(flag + " is required (see sparkj " + command + " --help)");
        return v;
    }

    List<String> list(String flag) { return values.getOrDefault(flag, List.of()); }

    int integer(String flag, int dflt, int min) {
        String v = str(flag, null);
        if (v == null) return dflt;
        int x;
        try {
            x = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got '" + v + "'");
        }
        if (x < min) throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + x);
        return x;
    }

    long lng(String flag, long dflt, long min) {
        String v = str(flag, null);
        if (v == null) return dflt;
        long x;
        try {
            x = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got '" + v + "'");
        }
        if (x < min) throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + x);
        return x;
    }

    /** A finite number in [lo, hi] (inclusive unless the bound is open). */
    double number(String flag, double dflt, double lo, double hi, boolean loOpen, boolean hiOpen) {
        String v = str(flag, null);
        if (v == null) return dflt;
        double x;
        try {
            x = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + v + "'");
        }
        boolean ok = Double.isFinite(x) && (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi);
        if (!ok) throw new IllegalArgumentException(flag + " must be in " + (loOpen ? "(" : "[") + lo + ", "
                + (Double.isInfinite(hi) ? "inf" : hi) + (hiOpen ? ")" : "]") + ", got " + v);
        return x;
    }

    /** {@code N} (square) or {@code HxW}; each a positive multiple of 32. */
    int[] size(String flag, int dflt) {
        String v = str(flag, null);
        if (v == null) return new int[]{dflt, dflt};
        String[] p = v.toLowerCase(java.util.Locale.ROOT).split("x", -1);
        if (p.length > 2) throw new IllegalArgumentException(flag + " needs N or HxW, got '" + v + "'");
        int[] s = new int[2];
        for (int i = 0; i < 2; i++) {
            String t = p[Math.min(i, p.length - 1)].trim();
            try {
                s[i] = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " needs N or HxW, got '" + v + "'");
            }
            if (s[i] < 32 || s[i] % 32 != 0)
                throw new IllegalArgumentException(flag + " must be a positive multiple of 32 (the patch size), got '" + v + "'");
        }
        return s;
    }
}
