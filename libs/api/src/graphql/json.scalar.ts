import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/** Arbitrary JSON (alert evidence, timeline details). Output only in practice; literals parsed for completeness. */
export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: function parse(ast: ValueNode): unknown {
    switch (ast.kind) {
      case Kind.STRING:
      case Kind.BOOLEAN:
        return ast.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(ast.value);
      case Kind.LIST:
        return ast.values.map(parse);
      case Kind.OBJECT:
        return Object.fromEntries(ast.fields.map((f) => [f.name.value, parse(f.value)]));
      case Kind.NULL:
        return null;
      case Kind.VARIABLE:
      case Kind.ENUM:
        return undefined;
    }
  },
});
