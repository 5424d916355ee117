/**
 * Code-first services: describe Thrift structs, exceptions and services with decorators on TypeScript classes,
 * without an IDL. The decorators produce the same StructCodec / ServiceDescriptor the IDL compiler generates, so
 * `createServer` and `createClient` take decorated classes as they take generated descriptors, and the wire format
 * is exactly what the equivalent IDL produces (Apache and Kitex peers interoperate).
 *
 *   @Struct()
 *   class Request {
 *     @Field(1, 'string', { required: true }) action = '';
 *     @Field(2, 'string', { required: true }) msg = '';
 *   }
 *
 *   @Service('EchoServer')
 *   class Echo {
 *     @Method({ args: [Request], returns: Response })
 *     async echo(req: Request, ctx: ServerCallContext): Promise<Response> { ... }
 *   }
 *
 * Both decorator flavours work:
 * - TypeScript's legacy decorators (`experimentalDecorators` + `emitDecoratorMetadata`): field types and method
 *   argument types may be left out where reflect-metadata can tell them (string, boolean, Uint8Array, decorated
 *   classes), and arguments may be declared with `@Arg(id)` parameter decorators;
 * - standard (TC39) decorators, TypeScript 5's default: types are given explicitly (there is no type metadata and
 *   no parameter decorators). The decorators define `Symbol.metadata` if the runtime lacks it (Node 20), as
 *   TypeScript requires for decorator metadata.
 *
 * Decoding creates instances with `new Class()`: decorated classes must be constructible without arguments, and
 * their field initialisers are the defaults. Fields are the class's own (decorated fields are not inherited).
 */
export { CodeFirstError } from './types';
export type { FieldOptions, StructClass, ThriftType } from './types';
export type { ClassDecorator, FieldDecorator, MethodDecorator } from './decorator-context';
export { Exception, Field, Struct, Union, structCodec } from './structs';
export { Arg, Method, Service, isCodeFirstService, serviceDescriptor } from './services';
export type { ArgDeclaration, ArgsWithoutContext, CodeFirstClient, MethodOptions, ServiceOptions, ThrowsDeclaration } from './services';
