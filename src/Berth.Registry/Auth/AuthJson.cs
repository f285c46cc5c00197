using System.Text.Json.Serialization;

namespace Berth.Registry.Auth;

/// <summary>The token endpoint's answer, as docker's token spec names its fields.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("issued_at")] string IssuedAt);

public sealed record JwsHeader(
    [property: JsonPropertyName("typ")] string Type,
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("kid")] string KeyId);

/// <summary>One resource of a token's <c>access</c> claim.</summary>
public sealed record TokenAccess(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("actions")] List<string> Actions);

public sealed record TokenClaims(
    [property: JsonPropertyName("iss")] string Issuer,
    [property: JsonPropertyName("sub")] string Subject,
    [property: JsonPropertyName("aud")] string Audience,
    [property: JsonPropertyName("exp")] long Expires,
    [property: JsonPropertyName("nbf")] long NotBefore,
    [property: JsonPropertyName("iat")] long IssuedAt,
    [property: JsonPropertyName("jti")] string Id,
    [property: JsonPropertyName("access")] List<TokenAccess> Access);

/// <summary>Source-generated (NativeAOT-safe) serialization of tokens and the token endpoint's body.</summary>
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(JwsHeader))]
[JsonSerializable(typeof(TokenClaims))]
public sealed partial class AuthJsonContext : JsonSerializerContext;
