using System.Text.Json.Serialization;

namespace Berth.Registry.Auth;

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

/// <summary>Source-generated (NativeAOT-safe) serialization of tokens (the token endpoint's body is Berth.Core.Distribution.TokenResponse).</summary>
[JsonSerializable(typeof(JwsHeader))]
[JsonSerializable(typeof(TokenClaims))]
public sealed partial class AuthJsonContext : JsonSerializerContext;
