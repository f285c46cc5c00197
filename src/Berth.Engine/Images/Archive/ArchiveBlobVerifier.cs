using System.Security.Cryptography;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.Oci;

namespace Berth.Engine.Images.Archive;

/// <summary>
/// Checks the blobs of an OCI image layout against the descriptors that name them: the digest
/// always, the size when the descriptor gives one (containerd's rule). The loader checks every
/// blob an image needs before it stores any of them, so a blob that does not match leaves no
/// image and no layer behind, and a layer that is already present locally is checked too
/// (the archive's copy is then not otherwise read). Only sha256 reaches here (BlobPath).
/// </summary>
internal sealed class ArchiveBlobVerifier
{
    private readonly HashSet<string> _verified = new(StringComparer.Ordinal);

    public static void Verify(ReadOnlySpan<byte> blob, OciDescriptor descriptor)
    {
        CheckSize(blob.Length, descriptor);
        var actual = Digest.Compute(blob);
        if (actual.ToString() != descriptor.Digest) throw Mismatch(descriptor, actual);
    }

    /// <summary>Hashes a spooled blob file once per digest for the whole load.</summary>
    public async Task VerifyFileAsync(string file, OciDescriptor descriptor, CancellationToken cancellationToken)
    {
        if (_verified.Contains(descriptor.Digest)) return;
        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            CheckSize(stream.Length, descriptor);
            var actual = new Digest(Digest.Sha256Algorithm, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken)));
            if (actual.ToString() != descriptor.Digest) throw Mismatch(descriptor, actual);
        }
        _verified.Add(descriptor.Digest);
    }

    private static void CheckSize(long actual, OciDescriptor descriptor)
    {
        if (descriptor.Size < 0 || (descriptor.Size > 0 && descriptor.Size != actual))
            throw new InvalidParameterException($"invalid archive: blob {descriptor.Digest} has size {actual}, its descriptor says {descriptor.Size}");
    }

    private static InvalidParameterException Mismatch(OciDescriptor descriptor, Digest actual) =>
        new($"invalid archive: blob {descriptor.Digest} has digest {actual}");
}
