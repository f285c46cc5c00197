using Berth.Engine.Images;

namespace Berth.Engine.Containers;

/// <summary>Maps an image's config onto what a container inherits.</summary>
internal static class ImageDefaultsAdapter
{
    // Filled in once ImageConfigFile lands (images work in progress).
    public static ImageDefaults From(Image image) => new(null, null, null, null, null, null, null, null, null);
}
