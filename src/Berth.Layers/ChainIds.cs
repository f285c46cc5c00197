using System.Security.Cryptography;
using System.Text;
using Berth.Core.Digests;

namespace Berth.Layers;

/// <summary>
/// OCI image-spec chain IDs: ChainID(L0) = DiffID(L0);
/// ChainID(L0|…|Ln) = sha256(ChainID(L0|…|Ln-1) + " " + DiffID(Ln)).
/// </summary>
public static class ChainIds
{
    /// <summary>Chain ID of a layer with diff ID <paramref name="diffId"/> on top of the chain <paramref name="parent"/>.</summary>
    public static Digest Compute(Digest? parent, Digest diffId)
    {
        if (parent is not { } p) return diffId;
        // "sha256:<hex> sha256:<hex>" is ASCII; hash it without building an intermediate string.
        Span<byte> text = stackalloc byte[256];
        var n = Encoding.ASCII.GetBytes($"{p} {diffId}", text);
        return new Digest(Digest.Sha256Algorithm, Convert.ToHexStringLower(SHA256.HashData(text[..n])));
    }

    /// <summary>Chain ID of a whole stack of diff IDs, base layer first; null for an empty stack.</summary>
    public static Digest? Compute(IEnumerable<Digest> diffIds)
    {
        Digest? chain = null;
        foreach (var diffId in diffIds) chain = Compute(chain, diffId);
        return chain;
    }

    /// <summary>The chain ID of every prefix of <paramref name="diffIds"/>, base layer first.</summary>
    public static IReadOnlyList<Digest> ComputeAll(IEnumerable<Digest> diffIds)
    {
        var result = new List<Digest>();
        Digest? chain = null;
        foreach (var diffId in diffIds)
        {
            chain = Compute(chain, diffId);
            result.Add(chain.Value);
        }
        return result;
    }
}
