/**
 * A small Module, in the manner of PyTorch's: a tree of named parameters (trainable tf.Variables),
 * buffers (non-trainable state such as BatchNorm's running statistics) and child modules, with a
 * train/eval mode that layers like Dropout and BatchNorm read.
 */
import { tf } from "../tf.ts";

/** A tree of named parameters, buffers and child modules with a train/eval mode (PyTorch's nn.Module). */
export abstract class Module {
  training = true;
  readonly #params = new Map<string, tf.Variable>();
  readonly #buffers = new Map<string, tf.Variable>();
  readonly #children = new Map<string, Module>();

  protected addParameter(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, true);
    value.dispose();
    this.#params.set(name, v);
    return v;
  }

  protected addBuffer(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, false);
    value.dispose();
    this.#buffers.set(name, v);
    return v;
  }

  protected addModule<M extends Module>(name: string, module: M): M {
    this.#children.set(name, module);
    return module;
  }

  /** Trainable parameters with dotted names, depth-first in registration order ("fc.0.weight"). */
  namedParameters(prefix = ""): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [...this.#params].map(([k, v]) => [prefix + k, v]);
    for (const [name, child] of this.#children) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  namedBuffers(prefix = ""): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [...this.#buffers].map(([k, v]) => [prefix + k, v]);
    for (const [name, child] of this.#children) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Parameters and buffers: everything `saveState` writes. */
  namedState(): [string, tf.Variable][] {
    return [...this.namedParameters(), ...this.namedBuffers()];
  }

  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  children(): Module[] {
    return [...this.#children.values()];
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.#children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  dispose(): void {
    for (const [, v] of this.namedState()) v.dispose();
  }
}

/** A module with one input and one output, the unit Sequential chains. */
export abstract class Layer extends Module {
  abstract forward(x: tf.Tensor): tf.Tensor;

  /** Output shape for an input shape (batch dimension included), computed with a dry run. */
  outputShape(inputShape: number[]): number[] {
    return tf.tidy(() => {
      const wasTraining = this.training;
      this.eval();
      const shape = this.forward(tf.zeros(inputShape)).shape;
      this.train(wasTraining);
      return shape;
    });
  }

  override toString(): string {
    return this.constructor.name;
  }
}
