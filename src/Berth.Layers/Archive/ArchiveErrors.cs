namespace Berth.Layers.Archive;

/// <summary>
/// A tar stream (maybe compressed) that cannot be read: the exceptions that mean so, and what
/// to tell the user, in Go's words where docker has them. NativeAOT keeps only resource keys in
/// the framework's messages ("IO_EOF_ReadBeyondEOF", "TarInvalidNumber, "), so they are not shown.
/// </summary>
public static class ArchiveErrors
{
    public static bool IsCorrupt(Exception e) =>
        e is InvalidDataException or EndOfStreamException or FormatException or ZstdSharp.ZstdException;

    public static string Describe(Exception e) =>
        e is EndOfStreamException ? "unexpected EOF" : "not a valid tar archive, or its compression is corrupt";
}
