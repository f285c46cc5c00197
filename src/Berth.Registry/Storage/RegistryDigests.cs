using System.Security.Cryptography;
using Berth.Core.Digests;

namespace Berth.Registry.Storage;

/// <summary>
/// The digest algorithms the registry accepts: sha256 and sha512 (the OCI image spec's registered
/// algorithms; the conformance suite pushes both). Berth.Core's <see cref="Digest"/> parses sha256
/// only, because images berthd builds are sha256; a registry must also store what others push.
/// </summary>
public static class RegistryDigests
{
    public const string Sha512Algorithm = "sha512";

    public static readonly string[] Algorithms = [Digest.Sha256Algorithm, Sha512Algorithm];

    public static bool TryParse(string? value, out Digest digest) => Digest.TryParse(value, HexLength, out digest);

    /// <summary>True for a digest this registry can store (validated algorithm and hex); false for anything a path must not hold.</summary>
    public static bool IsValid(Digest digest) =>
        HexLength(digest.Algorithm) is { } length && digest.Hex is { } hex && hex.Length == length && Digest.IsLowerHex(hex);

    /// <summary>A digest from a path component: the hex length tells the algorithm apart.</summary>
    public static Digest? FromHex(string hex) =>
        !Digest.IsLowerHex(hex) ? null
        : hex.Length == 64 ? new Digest(Digest.Sha256Algorithm, hex)
        : hex.Length == 128 ? new Digest(Sha512Algorithm, hex)
        : null;

    public static Digest Compute(string algorithm, ReadOnlySpan<byte> data) => algorithm switch
    {
        Digest.Sha256Algorithm => Digest.Compute(data),
        Sha512Algorithm => new Digest(Sha512Algorithm, Convert.ToHexStringLower(SHA512.HashData(data))),
        _ => throw new ArgumentException($"unsupported digest algorithm \"{algorithm}\""),
    };

    public static async Task<Digest> ComputeAsync(string algorithm, Stream stream, CancellationToken cancellationToken) => algorithm switch
    {
        Digest.Sha256Algorithm => await Digest.ComputeAsync(stream, cancellationToken),
        Sha512Algorithm => new Digest(Sha512Algorithm, Convert.ToHexStringLower(await SHA512.HashDataAsync(stream, cancellationToken))),
        _ => throw new ArgumentException($"unsupported digest algorithm \"{algorithm}\""),
    };

    private static int? HexLength(string algorithm) => algorithm switch
    {
        Digest.Sha256Algorithm => 64,
        Sha512Algorithm => 128,
        _ => null,
    };
}
