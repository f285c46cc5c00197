using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Berth.Registry.Auth;

/// <summary>
/// Compact JWS (ES256) for the registry's own bearer tokens. Only this server issues and
/// verifies them, so this is the small subset of JWT that needs: one key, one algorithm, no
/// key discovery. Verification checks the signature, alg, iss, aud, nbf and exp.
/// </summary>
public sealed class TokenSigner : IDisposable
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private readonly ECDsa _key;
    private readonly string _keyId;

    private TokenSigner(ECDsa key)
    {
        _key = key;
        // A short fingerprint of the public key, so tokens signed by an earlier key are told apart in logs.
        var spki = key.ExportSubjectPublicKeyInfo();
        _keyId = Convert.ToHexStringLower(SHA256.HashData(spki))[..16];
    }

    public static TokenSigner Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Loads a PEM EC P-256 private key ("EC PRIVATE KEY" or PKCS#8).</summary>
    public static TokenSigner Load(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256) throw new CryptographicException($"expected a P-256 key, got {key.KeySize} bits");
        }
        catch
        {
            key.Dispose();
            throw;
        }
        return new TokenSigner(key);
    }

    public string Sign(TokenClaims claims)
    {
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new JwsHeader("JWT", "ES256", _keyId), AuthJsonContext.Default.JwsHeader));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(claims, AuthJsonContext.Default.TokenClaims));
        var signingInput = header + "." + payload;
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The claims of a valid token for <paramref name="audience"/> from <paramref name="issuer"/>; null otherwise.</summary>
    public TokenClaims? Verify(string token, string issuer, string audience, DateTimeOffset now)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        try
        {
            var signature = Base64Url.DecodeFromChars(parts[2]);
            var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (!_key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
                return null;
            var header = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(parts[0]), AuthJsonContext.Default.JwsHeader);
            if (header?.Algorithm != "ES256") return null;
            var claims = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(parts[1]), AuthJsonContext.Default.TokenClaims);
            if (claims is null || claims.Issuer != issuer || claims.Audience != audience) return null;
            var seconds = now.ToUnixTimeSeconds();
            // Skew only for nbf: replicas sharing a key may disagree slightly on the time of issue.
            if (seconds + (long)ClockSkew.TotalSeconds < claims.NotBefore || seconds >= claims.Expires) return null;
            // sub and access are optional in a JWT (a token another implementation signed with our
            // key may lack them): absent, they grant nothing rather than reach callers as nulls.
            return claims with
            {
                Subject = claims.Subject ?? "",
                Access = [.. (claims.Access ?? [])
                    .Where(a => a is { Type: not null, Name: not null, Actions: not null })
                    .Select(a => a with { Actions = [.. a.Actions.Where(action => action is not null)] })],
            };
        }
        catch (Exception e) when (e is FormatException or JsonException or CryptographicException)
        {
            return null;
        }
    }

    private static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);

    public void Dispose() => _key.Dispose();
}
