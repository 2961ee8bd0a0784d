// The part of Authing's GraphQL schema (graphql/v2) that authing-js-sdk's documents for the Mini Program
// SDK use: UserDocument, UpdateUserDocument, CheckLoginStatusDocument, RefreshTokenDocument. Every field
// they select is defined, so the documents validate; fields we keep no value for resolve to null.
import { buildSchema } from 'graphql'

/** The OIDC standard-claim fields that Authing's User type and its UpdateUserInput both carry. */
const standardClaims = `name: String
    givenName: String
    familyName: String
    middleName: String
    profile: String
    preferredUsername: String
    website: String
    gender: String
    birthdate: String
    zoneinfo: String
    locale: String
    address: String
    formatted: String
    streetAddress: String
    locality: String
    region: String
    postalCode: String
    city: String
    province: String
    country: String`

export const authingSdl = /* GraphQL */ `
  type Query {
    "The bearer's own user; \`id\`, when given, must be theirs."
    user(id: String): User
    "Whether a token (default: the bearer's) is valid and its session live. Never an error for a bad token."
    checkLoginStatus(token: String): JWTTokenStatus
  }

  type Mutation {
    "Updates nickname, photo and gender of the bearer's user, by the native profile rules."
    updateUser(id: String, input: UpdateUserInput!): User!
    "A new access token for the bearer's live session (no refresh token involved)."
    refreshToken(id: String): RefreshToken
  }

  enum UserStatus {
    Suspended
    Resigned
    Activated
    Archived
  }

  type Identity {
    openid: String
    userIdInIdp: String
    userId: String
    connectionId: String
    isSocial: Boolean
    provider: String
    userPoolId: String
    refreshToken: String
    accessToken: String
  }

  type User {
    id: String!
    arn: String
    userPoolId: String
    status: UserStatus
    username: String
    email: String
    emailVerified: Boolean
    phone: String
    phoneVerified: Boolean
    identities: [Identity]
    unionid: String
    openid: String
    nickname: String
    registerSource: [String!]
    photo: String
    password: String
    oauth: String
    token: String
    tokenExpiredAt: String
    loginsCount: Int
    lastLogin: String
    lastIP: String
    signedUp: String
    blocked: Boolean
    isDeleted: Boolean
    device: String
    browser: String
    company: String
    ${standardClaims}
    createdAt: String
    updatedAt: String
    externalId: String
  }

  input UpdateUserInput {
    email: String
    unionid: String
    openid: String
    emailVerified: Boolean
    phone: String
    phoneVerified: Boolean
    username: String
    nickname: String
    password: String
    photo: String
    company: String
    browser: String
    device: String
    oauth: String
    tokenExpiredAt: String
    loginsCount: Int
    lastLogin: String
    lastIP: String
    blocked: Boolean
    ${standardClaims}
    externalId: String
  }

  type JWTTokenStatus {
    code: Int
    message: String
    status: Boolean
    exp: Int
    iat: Int
    data: JWTTokenStatusDetail
  }

  type JWTTokenStatusDetail {
    id: String
    userPoolId: String
    arn: String
  }

  type RefreshToken {
    token: String
    iat: Int
    exp: Int
  }
`

export const authingSchema = () => buildSchema(authingSdl)
