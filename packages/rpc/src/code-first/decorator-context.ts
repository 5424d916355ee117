import 'reflect-metadata';
import { CodeFirstError, type StructClass } from './types';

/*
 * What the decorators share to work in both flavours: TypeScript's legacy decorators (experimentalDecorators,
 * with reflect-metadata for types) and standard (TC39) decorators. Member decorators gather declarations under a
 * key until the class decorator collects them: the class's constructor (legacy: members see the prototype) or
 * the class's decorator metadata object (standard: members see `context.metadata`).
 */

// Standard decorators keep per-class data in context.metadata, which TypeScript creates only if Symbol.metadata
// exists when the class is defined; importing the decorators first guarantees that (Node 20 lacks it).
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

export interface StandardContext {
  readonly kind: string;
  readonly name: string | symbol;
  readonly metadata?: object;
  readonly static?: boolean;
}

export function isStandardContext(value: unknown): value is StandardContext {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/** The key under which a class's member declarations are gathered until its class decorator runs. */
export function memberKey(targetOrContext: unknown, where: string): object {
  if (isStandardContext(targetOrContext)) {
    if (targetOrContext.metadata === undefined) throw new CodeFirstError(`${where}: decorator metadata is unavailable (Symbol.metadata)`);
    if (targetOrContext.static) throw new CodeFirstError(`${where}: static members cannot be Thrift fields or methods`);
    return targetOrContext.metadata;
  }
  // Legacy: the prototype for instance members.
  const target = targetOrContext as { constructor?: unknown };
  if (typeof target === 'function') throw new CodeFirstError(`${where}: static members cannot be Thrift fields or methods`);
  return target.constructor as object;
}

export function classKey(ctor: unknown, context: unknown): object[] {
  const keys: object[] = [ctor as object];
  if (isStandardContext(context) && context.metadata !== undefined) keys.push(context.metadata);
  return keys;
}

/** A field decorator in either flavour. */
export type FieldDecorator = {
  (target: object, propertyKey: string | symbol): void;
  (value: undefined, context: ClassFieldDecoratorContext): void;
};

/** A class decorator in either flavour. */
export type ClassDecorator = {
  <C extends StructClass>(ctor: C): void;
  <C extends StructClass>(ctor: C, context: ClassDecoratorContext): void;
};

/** A method decorator in either flavour. */
export type MethodDecorator = {
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
  (value: (...args: never[]) => unknown, context: ClassMethodDecoratorContext): void;
};

export function checkId(id: unknown, where: string, min: number): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < min || id > 32767) {
    throw new CodeFirstError(`${where}: field id must be an integer in [${min}, 32767], got ${String(id)}`);
  }
  return id;
}
