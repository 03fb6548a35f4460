namespace TextClassification;

/// <summary>
/// The Brown corpus's 15 genre categories grouped into 4 classes of broadly different style:
/// press (A reportage, B editorial, C reviews: 88 texts), general prose (D religion, E skill and hobbies,
/// F popular lore, G belles-lettres, H government and house organs: 206 texts), learned (J: 80 texts) and
/// fiction (K general, L mystery, M science, N adventure, P romance, R humor: 126 texts).
/// </summary>
public static class Genres
{
    public const int Count = 4;

    public static readonly string[] Names = ["press", "general prose", "learned", "fiction"];

    /// <summary>The class of a text from its genre letter (the second letter of its file name, a to r).</summary>
    public static int Of(char genre) => genre switch
    {
        'a' or 'b' or 'c' => 0,
        'd' or 'e' or 'f' or 'g' or 'h' => 1,
        'j' => 2,
        _ => 3,
    };
}
