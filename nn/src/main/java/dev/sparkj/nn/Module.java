package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A node of a network: named parameters, buffers and child modules whose dotted paths equal the
 * PyTorch state-dict keys ({@code layer1.0.conv1.weight}, {@code bn1.running_mean}, ...).
 *
 * <p>Order is PyTorch's: a module's own parameters in registration order, then its buffers, then its
 * children depth-first; {@link #namedParameters()} and {@link #stateDict()} follow it, so optimizer
 * state and checkpoints line up with the reference. Parameters are leaf {@link Variable}s that
 * require gradients; buffers are plain tensors (e.g. BatchNorm's running statistics).
 *
 * <p>Subclasses register everything in their constructor with {@link #param}, {@link #buffer} and
 * {@link #child}; a module records the dotted path under which it was registered (for messages).
 */
public abstract class Module {
    private final LinkedHashMap<String, Variable> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    private String path = "";

    // ------------------------------------------------------------------ registration

    /** Registers {@code data} as a parameter (a new leaf variable requiring gradients) and returns it. */
    protected final Variable param(String name, Tensor data) {
        checkName(name);
        Variable v = Variable.param(data);
        params.put(name, v);
        return v;
    }

    /** This module's own parameter {@code name} (layers look parameters up at each forward, so {@link #setParameter} takes effect). */
    protected final Variable param(String name) {
        Variable v = params.get(name);
        if (v == null) throw new IllegalArgumentException(describe() + " has no parameter '" + name + "'");
        return v;
    }

    /** This module's own parameter {@code name}, or null when it has none (an optional bias). */
    protected final Variable paramOrNull(String name) { return params.get(name); }

    /**
     * Replaces the parameter variable at a dotted key (same shape), e.g. to evaluate the model as a function of
     * other variables (gradient checks, functional calls, weight sharing). Returns the previous variable.
     */
    public final Variable setParameter(String key, Variable v) {
        int dot = key.lastIndexOf('.');
        Module owner = dot < 0 ? this : namedModules().get(key.substring(0, dot));
        String name = dot < 0 ? key : key.substring(dot + 1);
        if (owner == null || !owner.params.containsKey(name))
            throw new IllegalArgumentException(describe() + " has no parameter '" + key + "'");
        Variable old = owner.params.get(name);
        if (!java.util.Arrays.equals(old.shape(), v.shape()))
            throw new IllegalArgumentException("parameter '" + key + "' has shape " + java.util.Arrays.toString(old.shape())
                    + ", replacement " + java.util.Arrays.toString(v.shape()));
        owner.params.put(name, v);
        return old;
    }

    /** Registers (or replaces) a buffer and returns it. */
    protected final Tensor buffer(String name, Tensor data) {
        if (!buffers.containsKey(name)) checkName(name);
        data.storage().pin(); // a buffer outlives the step that computed it: never recycled
        buffers.put(name, data);
        return data;
    }

    /** The current value of a buffer. */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(describe() + " has no buffer '" + name + "'");
        return t;
    }

    /** Registers a child module under {@code name} and returns it. */
    protected final <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        ((Module) module).setPath(path.isEmpty() ? name : path + "." + name);
        module.train(training);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException("invalid member name '" + name + "' in " + describe());
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException("'" + name + "' is already registered in " + describe());
    }

    private void setPath(String p) {
        path = p;
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().setPath(p + "." + e.getKey());
    }

    /** The dotted path under which this module was registered ("" for a root). */
    public final String path() { return path; }

    /** A short description for messages: the path (or "(root)"), the module's type and its {@link #extraRepr()}. */
    public String describe() {
        String extra = extraRepr();
        return (path.isEmpty() ? "(root)" : path) + " (" + getClass().getSimpleName() + (extra.isEmpty() ? "" : " " + extra) + ")";
    }

    /** Geometry or options worth showing in messages, e.g. "8->16, k3 s2 p1" (empty by default). */
    protected String extraRepr() { return ""; }

    // ------------------------------------------------------------------ mode

    /** Whether the module is in training mode (batch statistics, dropout active). */
    public final boolean isTraining() { return training; }

    /** Sets training mode on this module and all descendants; returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module c : children.values()) c.train(on);
        return this;
    }

    /** Training mode; returns this. */
    public final Module train() { return train(true); }

    /** Evaluation mode; returns this. */
    public final Module eval() { return train(false); }

    // ------------------------------------------------------------------ traversal

    /** Direct children by name, in registration order (read-only). */
    public final Map<String, Module> children() { return Collections.unmodifiableMap(children); }

    /** This module's own parameters (not its children's), read-only. */
    public final Map<String, Variable> ownParameters() { return Collections.unmodifiableMap(params); }

    /** This module's own buffers, read-only. */
    public final Map<String, Tensor> ownBuffers() { return Collections.unmodifiableMap(buffers); }

    /** Every module of the tree with its key prefix ("" for this one), pre-order. */
    public final LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        out.put(prefix, this);
        for (Map.Entry<String, Module> e : children.entrySet())
            e.getValue().collectModules(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
    }

    /** Calls {@code fn} on every module, pre-order (PyTorch's {@code apply} visits children first; order rarely matters). */
    public final void apply(Consumer<Module> fn) {
        for (Module m : namedModules().values()) fn.accept(m);
    }

    /** Every parameter by its state-dict key, in PyTorch's {@code named_parameters()} order. */
    public final LinkedHashMap<String, Variable> namedParameters() {
        LinkedHashMap<String, Variable> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet())
            for (Map.Entry<String, Variable> p : m.getValue().params.entrySet())
                out.putIfAbsent(key(m.getKey(), p.getKey()), p.getValue());
        return out;
    }

    /** The parameters as a list, in {@link #namedParameters()} order. */
    public final List<Variable> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Every buffer by its state-dict key, in PyTorch's {@code named_buffers()} order. */
    public final LinkedHashMap<String, Tensor> namedBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet())
            for (Map.Entry<String, Tensor> b : m.getValue().buffers.entrySet())
                out.put(key(m.getKey(), b.getKey()), b.getValue());
        return out;
    }

    /**
     * Parameters (their current values) and buffers by key, in PyTorch's {@code state_dict()} order:
     * per module its parameters, then its buffers, then its children. The tensors are the live ones (not copies).
     */
    public final LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Variable> p : params.entrySet()) out.put(key(prefix, p.getKey()), p.getValue().data());
        for (Map.Entry<String, Tensor> b : buffers.entrySet()) out.put(key(prefix, b.getKey()), b.getValue());
        for (Map.Entry<String, Module> c : children.entrySet()) c.getValue().collectState(key(prefix, c.getKey()), out);
    }

    private static String key(String prefix, String name) { return prefix.isEmpty() ? name : prefix + "." + name; }

    /** Clears the gradient of every parameter. */
    public final void zeroGrad() {
        for (Variable v : namedParameters().values()) v.zeroGrad();
    }

    /** Total number of parameter elements. */
    public final long numParameters() {
        long n = 0;
        for (Variable v : namedParameters().values()) n += v.data().numel();
        return n;
    }

    // ------------------------------------------------------------------ loading

    /**
     * Copies values from {@code state} into this module's parameters (in place, so optimizers keep
     * their references) and buffers (converted to the buffer's dtype). A leading {@code module.} on
     * the keys (a DistributedDataParallel wrapper) is stripped.
     *
     * <p>Shape-mismatched keys are never loaded. With {@code strict}, any missing, unexpected or
     * mismatched key fails with one {@link StateDictException} listing all of them, and nothing is
     * modified; without it the report is returned and the matching keys are loaded.
     */
    public final StateDictReport loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> src = StateDictReport.stripModulePrefix(state);
        LinkedHashMap<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor t = src.get(e.getKey());
            if (t == null) missing.add(e.getKey());
            else if (!java.util.Arrays.equals(t.shape(), e.getValue().shape()))
                mismatched.add(e.getKey() + ": checkpoint " + java.util.Arrays.toString(t.shape())
                        + " vs model " + java.util.Arrays.toString(e.getValue().shape()));
        }
        for (String k : src.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        StateDictReport report = new StateDictReport(missing, unexpected, mismatched);
        if (strict && !report.isClean()) throw new StateDictException(describe(), report);
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            Module mod = m.getValue();
            for (Map.Entry<String, Variable> p : mod.params.entrySet()) {
                Tensor t = src.get(key(m.getKey(), p.getKey()));
                Tensor dst = p.getValue().data();
                if (t != null && java.util.Arrays.equals(t.shape(), dst.shape())) dst.copyFrom(t.cast(dst.dtype()));
            }
            for (Map.Entry<String, Tensor> b : mod.buffers.entrySet()) {
                Tensor t = src.get(key(m.getKey(), b.getKey()));
                Tensor dst = b.getValue();
                if (t != null && java.util.Arrays.equals(t.shape(), dst.shape()))
                    b.setValue(t.cast(dst.dtype()).copy());
            }
        }
        return report;
    }

    @Override
    public String toString() { return describe(); }
}
