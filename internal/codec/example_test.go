package codec_test

import (
	"fmt"

	"github.com/seed-699a33a2/session/internal/codec"
)

func Example() {
	data, err := codec.Encode(map[string]any{
		"user_id": uint(42),
		"form":    map[string][]string{"email": {"ada@example.com"}},
	})
	if err != nil {
		panic(err)
	}
	got := map[string]any{}
	if err := codec.Decode(data, got, nil); err != nil {
		panic(err)
	}
	fmt.Printf("%T %v\n", got["user_id"], got["user_id"])
	fmt.Printf("%T %v\n", got["form"], got["form"])
	// Output:
	// uint 42
	// map[string][]string map[email:[ada@example.com]]
}

func ExampleAppendEntry() {
	type UserID uint
	_, err := codec.AppendEntry(nil, "user_id", UserID(42))
	fmt.Println(err)
	// Output:
	// session: value cannot be encoded: key "user_id" has type codec_test.UserID
}

func ExampleRegister() {
	type Cart struct {
		Items []string
		Total int64
	}
	codec.Register[Cart]("example.Cart")

	data, err := codec.Encode(map[string]any{"cart": Cart{Items: []string{"book"}, Total: 1299}})
	if err != nil {
		panic(err)
	}
	got := map[string]any{}
	if err := codec.Decode(data, got, nil); err != nil {
		panic(err)
	}
	fmt.Printf("%T %+v\n", got["cart"], got["cart"])
	// Output:
	// codec_test.Cart {Items:[book] Total:1299}
}
