RSpec.describe "login" do
  let(:user) { create(:user, email: "qa@acme.io", password: "Qa-Passw0rd!") }
  it "rejects a wrong password" do
    visit login_path
    fill_in "Password", with: "wrong"
  end
end
