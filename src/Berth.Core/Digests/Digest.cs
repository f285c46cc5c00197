using Berth.Core.Errors;
using System.Security.Cryptography;

namespace Berth.Core.Digests;

/// <summary>A content digest such as <c>sha256:4f1c…</c> (OCI image-spec "descriptor digest").</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest
{
    public const string Sha256Algorithm = "sha256";

    public string Algorithm { get; }
    public string Hex { get; }

    public Digest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    public override string ToString() => $"{Algorithm}:{Hex}";

    /// <summary>Short form docker prints in tables: the first 12 hex characters.</summary>
    public string Short => Hex[..12];

    public static Digest Parse(string value) =>
        TryParse(value, out var digest) ? digest : throw new InvalidParameterException($"invalid digest \"{value}\"");

    public static bool TryParse(string? value, out Digest digest) =>
        TryParse(value, algorithm => algorithm == Sha256Algorithm ? 64 : null, out digest);

    /// <summary>
    /// Parses ALGORITHM:HEX for the algorithms <paramref name="hexLengthOf"/> knows (it gives each
    /// one's hex length, null for the rest): the registry also stores sha512 content.
    /// </summary>
    public static bool TryParse(string? value, Func<string, int?> hexLengthOf, out Digest digest)
    {
        digest = default;
        if (string.IsNullOrEmpty(value)) return false;
        var colon = value.IndexOf(':');
        if (colon <= 0) return false;
        var algorithm = value[..colon];
        var hex = value[(colon + 1)..];
        if (hexLengthOf(algorithm) is not { } length || hex.Length != length || !IsLowerHex(hex)) return false;
        digest = new Digest(algorithm, hex);
        return true;
    }

    public static Digest FromHex(string hex) =>
        hex.Length == 64 && IsLowerHex(hex) ? new Digest(Sha256Algorithm, hex) : throw new InvalidParameterException($"invalid sha256 hex \"{hex}\"");

    public static Digest Compute(ReadOnlySpan<byte> data) =>
        new(Sha256Algorithm, Convert.ToHexStringLower(SHA256.HashData(data)));

    public static async Task<Digest> ComputeAsync(Stream stream, CancellationToken cancellationToken = default) =>
        new(Sha256Algorithm, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken)));

    public static bool IsLowerHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        return true;
    }
}
