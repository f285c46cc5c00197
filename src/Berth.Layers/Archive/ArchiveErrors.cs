namespace Berth.Layers.Archive;

/// <summary>
/// A tar stream (maybe compressed) that cannot be read: the exceptions that mean so, and what
/// to tell the user, in Go's words where docker has them. NativeAOT keeps only resource keys in
/// the framework's messages ("IO_EOF_ReadBeyondEOF", "TarInvalidNumber, "), so they are not shown.
/// </summary>
public static class ArchiveErrors
{
    /// <summary>What is said of an old GNU sparse entry, the one entry type TarReader refuses to read.</summary>
    public const string OldGnuSparse =
        "an entry is an old GNU sparse file (tar type 'S'), which is not supported; re-create the archive with tar --sparse --format=posix, or without --sparse";

    public static bool IsCorrupt(Exception e) =>
        e is InvalidDataException or EndOfStreamException or FormatException or ZstdSharp.ZstdException
            // TarReader's NotSupportedException: an old GNU sparse entry ('S'), read from the archive.
            or NotSupportedException;

    public static string Describe(Exception e) => e switch
    {
        EndOfStreamException => "unexpected EOF",
        NotSupportedException => OldGnuSparse,
        // TarReader's message, or under NativeAOT its resource key (TarDuplicateExtendedAttribute).
        InvalidDataException when e.Message.Contains("uplicate", StringComparison.Ordinal) =>
            "a PAX header repeats a record (as GNU sparse format 0.0 does), which is not supported",
        _ => "not a valid tar archive, or its compression is corrupt",
    };
}
