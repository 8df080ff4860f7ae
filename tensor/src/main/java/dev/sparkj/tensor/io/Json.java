package dev.sparkj.tensor.io;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer for file headers and logs (no dependency). Objects read as
 * {@link LinkedHashMap} (key order kept; a repeated key is an error), arrays as {@link List}, integers
 * as {@link Long} (or {@link BigInteger} when too large), other numbers as {@link Double}, plus
 * {@link String}, {@link Boolean} and null. The writer accepts the same types (any {@link Number}).
 */
public final class Json {
    private static final int MAX_DEPTH = 256;

    private final String s;
    private int pos;

    private Json(String s) { this.s = s; }

    /** Thrown for malformed JSON; the message gives the character position and what was wrong. */
    public static final class ParseException extends IllegalArgumentException {
        public ParseException(String message) { super(message); }
    }

    /** Parses one JSON value; only whitespace may follow it. */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.pos != text.length()) throw p.error("unexpected trailing characters");
        return v;
    }

    // ------------------------------------------------------------------ reader

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        if (pos >= s.length()) throw error("unexpected end of input");
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        pos++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        ws();
        if (peek() == '}') { pos++; return m; }
        while (true) {
            ws();
            if (peek() != '"') throw error("expected a string key");
            int at = pos;
            String k = string();
            ws();
            expect(':');
            ws();
            Object v = value(depth + 1);
            if (m.containsKey(k)) { pos = at; throw error("repeated key \"" + k + "\""); }
            m.put(k, v);
            ws();
            char c = next("',' or '}'");
            if (c == '}') return m;
            if (c != ',') { pos--; throw error("expected ',' or '}'"); }
        }
    }

    private List<Object> array(int depth) {
        pos++; // [
        List<Object> a = new ArrayList<>();
        ws();
        if (peek() == ']') { pos++; return a; }
        while (true) {
            ws();
            a.add(value(depth + 1));
            ws();
            char c = next("',' or ']'");
            if (c == ']') return a;
            if (c != ',') { pos--; throw error("expected ',' or ']'"); }
        }
    }

    private String string() {
        pos++; // "
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = next("closing '\"'");
            if (c == '"') return b.toString();
            if (c < 0x20) { pos--; throw error("control character in string"); }
            if (c != '\\') { b.append(c); continue; }
            char e = next("escape");
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (pos + 4 > s.length()) throw error("truncated \\u escape");
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(s.charAt(pos++), 16);
                        if (d < 0) { pos--; throw error("bad hex digit in \\u escape"); }
                        cp = cp * 16 + d;
                    }
                    b.append((char) cp);
                }
                default -> { pos--; throw error("bad escape '\\" + e + "'"); }
            }
        }
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') pos++;
        else if (isDigit(peek())) while (isDigit(peek())) pos++;
        else throw error("bad number");
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) throw error("digit expected after '.'");
            while (isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw error("digit expected in exponent");
            while (isDigit(peek())) pos++;
        }
        String t = s.substring(start, pos);
        if (!integral) return Double.parseDouble(t);
        BigInteger bi = new BigInteger(t);
        return bi.bitLength() < 64 ? (Object) bi.longValue() : bi;
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) throw error("unexpected token");
        pos += word.length();
        return v;
    }

    private static boolean isDigit(int c) { return c >= '0' && c <= '9'; }

    private int peek() { return pos < s.length() ? s.charAt(pos) : -1; }

    private char next(String what) {
        if (pos >= s.length()) throw error("unexpected end of input, expected " + what);
        return s.charAt(pos++);
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "'");
        pos++;
    }

    private void ws() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            pos++;
        }
    }

    private ParseException error(String what) {
        return new ParseException(what + " at character " + pos);
    }

    // ------------------------------------------------------------------ writer

    /** Compact JSON text for a value made of maps (string keys), lists, strings, numbers, booleans and null. */
    public static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(value, b);
        return b.toString();
    }

    private static void write(Object v, StringBuilder b) {
        switch (v) {
            case null -> b.append("null");
            case String str -> quote(str, b);
            case Boolean bool -> b.append(bool);
            case Double d when d.isNaN() || d.isInfinite() -> throw new IllegalArgumentException("JSON has no " + d);
            case Float f when f.isNaN() || f.isInfinite() -> throw new IllegalArgumentException("JSON has no " + f);
            case Number n -> b.append(n instanceof BigDecimal bd ? bd.toPlainString() : n.toString());
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String k)) throw new IllegalArgumentException("JSON object key must be a string: " + e.getKey());
                    if (!first) b.append(',');
                    first = false;
                    quote(k, b);
                    b.append(':');
                    write(e.getValue(), b);
                }
                b.append('}');
            }
            case List<?> l -> {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) b.append(',');
                    write(l.get(i), b);
                }
                b.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    private static void quote(String str, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < str.length(); i++) {
            char c = str.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
